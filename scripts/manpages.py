#!/usr/bin/env python3
"""Writes ferry(1) and ferry-script(5) into OUTDIR from what the FERRY binary says about itself, so
the manuals cannot drift from the code: the options come from the command-line definitions
(`--experimental-dump-help`), the script commands from the interpreter's own `help`.

Usage: manpages.py FERRY OUTDIR
"""
import json
import os
import subprocess
import sys
import tempfile

ferry, outdir = os.path.abspath(sys.argv[1]), sys.argv[2]
os.makedirs(outdir, exist_ok=True)


def roff(text):
    """Text safe in a roff line: backslashes, dashes and characters beyond ASCII escaped, and a
    leading dot or quote guarded."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)
    return "\\&" + text if text[:1] in (".", "'") else text


def header(name, section, title):
    version = subprocess.run([ferry, "-V"], capture_output=True, text=True).stdout.split()[-1]
    return [f'.TH {name.upper()} {section} "" "ferry {version}" "{title}"']


def option_lines(argument):
    names = argument.get("names") or []
    spelled = []
    for name in names:
        kind, word = name["kind"], name["name"]
        spelled.append(("-" if kind in ("short", "longWithSingleDash") else "--") + word)
    value = argument.get("valueName")
    head = ", ".join(spelled) if spelled else f"<{value}>"
    if argument["kind"] == "option" and value:
        head += f" <{value}>"
    return [".TP", "\\fB" + roff(head) + "\\fR", roff(argument.get("abstract", ""))]


def ferry_page():
    dump = json.loads(subprocess.run([ferry, "--experimental-dump-help"], capture_output=True, text=True).stdout)
    command = dump["command"]
    lines = header("ferry", 1, "User Commands")
    lines += [".SH NAME", "ferry \\- batch SFTP and remote commands over SSH, on one host or many"]
    lines += [
        ".SH SYNOPSIS",
        "\\fBferry\\fR [\\fIoptions\\fR] [\\fIuser\\fR@]\\fIhost\\fR[:\\fIport\\fR] ...",
        ".br",
        "\\fBferry\\fR [\\fIoptions\\fR] \\fB\\-b\\fR \\fIscript\\fR [\\fB\\-D\\fR \\fINAME\\fR=\\fIVALUE\\fR] \\fIhost\\fR ... \\fB\\-\\-\\fR \\fIarg\\fR ...",
        ".br",
        "\\fBferry session\\fR list | show | save | import | delete ...",
        ".br",
        "\\fBferry key\\fR ...",
        ".br",
        "\\fBferry report merge\\fR \\fIdir\\fR [\\fB\\-o\\fR \\fIout\\fR]",
        ".br",
        "\\fBferry report html\\fR \\fIreport.json\\fR [\\fB\\-o\\fR \\fIout\\fR]",
    ]
    lines += [".SH DESCRIPTION", roff(command.get("abstract", ""))]
    if command.get("discussion"):
        lines += [".PP", roff(command["discussion"])]
    lines += [
        ".PP",
        "A batch script (\\fB\\-b\\fR) is a list of commands, described in \\fBferry-script\\fR(5); without one,",
        "Ferry reads commands at a \\fBferry>\\fR prompt. With several hosts (repeated \\fB\\-load\\fR, several",
        "hosts, or \\fB\\-\\-hosts\\fR) the script runs on each and a report is written.",
        ".SH OPTIONS",
    ]
    for argument in command["arguments"]:
        if argument.get("shouldDisplay", True):
            lines += option_lines(argument)
    lines += [
        ".SH ENVIRONMENT",
        ".TP", "\\fBHOME\\fR, \\fBXDG_CONFIG_HOME\\fR, \\fBXDG_STATE_HOME\\fR",
        "Where saved sessions, the prompt's history and known_hosts are looked for.",
        ".TP", "\\fBSSH_AUTH_SOCK\\fR", "The ssh-agent to ask for keys (unless \\fB\\-noagent\\fR).",
        ".TP", "\\fBFERRY_CTR_PROVIDER\\fR",
        "\\fBoff\\fR turns off the bulk AES\\-CTR keystream provider, for diagnosis.",
        ".SH EXIT STATUS",
        ".TP", "0", "Every command (on every host) succeeded.",
        ".TP", "2", "The command line, a script or a session is wrong.",
        ".TP", "3", "A host key is unknown or changed.",
        ".TP", "4", "Login failed.",
        ".TP", "5", "A proxy failed.",
        ".TP", "6", "A connection failed or was lost.",
        ".TP", "7", "A transfer failed.",
        ".TP", "8", "A remote or local command failed.",
        ".TP", "9", "Some hosts of a run over many hosts failed, were held at a barrier, or were not run because the failure budget was spent.",
        ".TP", "130", "Interrupted (Ctrl\\-C).",
        ".SH FILES",
        ".TP", "\\fI~/.config/ferry/sessions/\\fR", "Saved sessions, one YAML file each (searched after \\fB./ferry-sessions\\fR).",
        ".TP", "\\fI~/.local/state/ferry/history\\fR", "The prompt's command history.",
        ".TP", "\\fI~/.ssh/known_hosts\\fR", "Host keys, as OpenSSH keeps them.",
        ".TP", "\\fIdiagnostics/<run>/report.json\\fR, \\fIreport.md\\fR",
        "What a run did, per host and command (schema ferry\\-report/1).",
        ".SH EXAMPLES",
        ".nf",
        "ferry \\-b pull.scr root@db1.example.org",
        "ferry \\-load db1 \\-b pull.scr",
        "ferry \\-\\-hosts fleet.txt \\-\\-check \\-b pull.scr",
        "ferry \\-\\-rerun diagnostics/20261130\\-0101\\-x/report.json \\-b pull.scr",
        ".fi",
        ".SH SEE ALSO",
        "\\fBferry-script\\fR(5), \\fBpsftp\\fR(1), \\fBsftp\\fR(1), \\fBssh\\fR(1)",
    ]
    return lines


def script_commands():
    """(names, usage, description) for every script command, from the interpreter's `help`."""
    with tempfile.TemporaryDirectory() as folder:
        def helped(script):
            path = os.path.join(folder, "help.scr")
            with open(path, "w") as handle:
                handle.write(script)
            run = subprocess.run([ferry, "-batch", "-b", path], capture_output=True, text=True, cwd=folder)
            return run.stdout
        listing = [line for line in helped("help\n").splitlines() if line.strip()]
        commands = []
        for line in listing:
            names, _, summary = line.partition("  ")
            names = names.strip()
            first = names.split(",")[0].strip()
            told = [u for u in helped(f"help {first}\n").splitlines() if u.strip()]
            usage = next((u[len("usage: "):] for u in told if u.startswith("usage: ")), first)
            details = " ".join(u for u in told[2:])
            commands.append((names, usage, summary.strip() + (". " + details if details else "")))
        return commands


def script_page():
    lines = header("ferry-script", 5, "File Formats")
    lines += [
        ".SH NAME", "ferry-script \\- the command language of Ferry's batch scripts and prompt",
        ".SH DESCRIPTION",
        "A script holds one command a line, as \\fBpsftp \\-b\\fR takes them. Blank lines and lines whose",
        "first non\\-blank character is \\fB#\\fR are ignored.",
        ".SS Words and quoting",
        "Words are separated by spaces or tabs, as psftp splits them. Double quotes group a word that",
        "holds spaces; inside quotes, two double quotes stand for one. Backslashes are kept as they are",
        "(they make wildcard characters literal). A script must close its quotes (an open quote is an",
        "error naming the file, line and column); at the prompt an open quote runs to the end of the line.",
        ".SS Failures",
        "A failed command stops the script (exit status by its kind) unless Ferry runs with \\fB\\-be\\fR.",
        "A line that starts with \\fB\\-\\fR runs its command and ignores its failure. \\fB\\-bc\\fR echoes each",
        "command before it runs.",
        ".SS Wildcards",
        "\\fB*\\fR, \\fB?\\fR and \\fB[...]\\fR match names in the last component of a path, for the commands",
        "that take patterns (\\fBmget\\fR, \\fBmput\\fR, \\fBrm\\fR, \\fBchmod\\fR, \\fBls\\fR, \\fBcollect\\fR); a backslash",
        "makes them literal.",
        ".SS Host names in paths",
        "\\fB{host}\\fR in a local path stands for the host's name (its label in a run over many hosts,",
        "else host or host:port), so that each host's files land apart (\\fBlcd {host}\\fR,",
        "\\fBget FILE {host}/FILE\\fR).",
        ".SS Parameters",
        "\\fB${NAME}\\fR is the value given with \\fB\\-D NAME=VALUE\\fR; \\fB$1\\fR to \\fB$9\\fR (and \\fB${10}\\fR on)",
        "are the words after \\fB\\-\\-\\fR on the command line (\\fBferry \\-b s.scr host \\-\\- ARG...\\fR);",
        "\\fB${env:NAME}\\fR reads the environment. They are replaced in any word, quoted or not, and a",
        "value is always part of one word, whatever it holds. \\fB$$\\fR is a literal \\fB$\\fR; a \\fB$\\fR",
        "followed by anything else stays as written. A name without a value is an error at its line and",
        "column, before anything connects.",
        "The command text of \\fBrun\\fR and \\fB!\\fR goes to a shell, which has its own \\fB$\\fR syntax:",
        "there only the braced forms (\\fB${NAME}\\fR, \\fB${env:NAME}\\fR, \\fB${1}\\fR) are replaced,",
        "\\fB$${\\fR is a literal \\fB${\\fR, and \\fB$1\\fR or \\fB$$\\fR reach the shell as written.",
        ".SS Many hosts",
        "In a run over many hosts (\\fB\\-\\-hosts\\fR, several hosts or \\fB\\-load\\fR), \\fBbarrier\\fR makes each",
        "host wait until every host of the run (or of its wave, with \\fB\\-\\-waves\\fR) has reached the",
        "same line or ended. Then, if more hosts have failed than \\fB\\-\\-max\\-fail\\fR allows (none",
        "without it), counting waiting hosts that already had a failure (with \\fB\\-be\\fR), every waiting",
        "host stops there and ends \\fBheld\\fR; otherwise all go on together. Staging a file on every",
        "host, a \\fBbarrier\\fR, then \\fBmv\\fR onto the live name switches every host or none:",
        "\\fBmv\\fR onto an existing file replaces it in one step (the old file is renamed aside, the new",
        "one takes its name, the old one is removed, and put back if the rename fails). A barrier waits",
        "within \\fB\\-\\-host\\-timeout\\fR; a host cut off before it counts as failed. Every host of a wave",
        "must be able to run at once (\\fB\\-\\-parallel\\fR, \\fB\\-\\-max\\-sessions\\fR), or the run is",
        "refused before it connects. On one host a barrier is passed by; at the prompt it is refused.",
        ".SS Transfer caps",
        "\\fBbwlimit RATE\\fR caps this host's transfers from that line on: bytes a second with \\fBK\\fR,",
        "\\fBM\\fR or \\fBG\\fR (binary), both ways, or \\fBdown=RATE,up=RATE\\fR apart; \\fBbwlimit off\\fR lifts",
        "it. The run's cap (\\fB\\-\\-bwlimit\\fR) and the host's configured cap (\\fB\\-\\-bwlimit\\-host\\fR,",
        "a session's or hosts file line's \\fBbwlimit\\-host\\fR) hold as well: the lowest cap wins.",
        ".SH COMMANDS",
    ]
    for names, usage, description in script_commands():
        also = f" Also spelled: {roff(names)}." if "," in names else ""
        lines += [".TP", "\\fB" + roff(usage) + "\\fR", roff(description) + also]
    lines += [".SH SEE ALSO", "\\fBferry\\fR(1), \\fBpsftp\\fR(1)"]
    return lines


for name, lines in (("ferry.1", ferry_page()), ("ferry-script.5", script_page())):
    with open(os.path.join(outdir, name), "w") as handle:
        handle.write("\n".join(lines) + "\n")
