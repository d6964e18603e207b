#!/usr/bin/env python3
"""An SSH server that lies, for testing that Ferry does not believe it.

Usage: hostile_server.py PORT HOST_KEY SCENARIO.json

Built on paramiko (Debian's python3-paramiko, a test-only dependency). Any user logs in with any
password or key. The scenario file decides what the server says:

  home         answer to realpath(".")
  realpath     {path: answer}: realpath answers for exact paths (others are normalised)
  methods      the authentication method list, sent as given
  interactive  {"name", "instruction", "prompts": [[text, echo], ...]} for keyboard-interactive
  exec         {"stdout", "stderr", "status", "signal"}: what every remote command does; with "silent"
               the command is accepted and never says a word (keepalives are still answered), with
               "hang" the whole server stops answering anything once a command is accepted
  dirs         {path: [entry, ...]}: directory listings. An entry has "name" (or "name_hex" for raw
               bytes), "type" (file, dir or link), "size" (null: no size attribute), "mode",
               "longname", "content", "stream" (bytes served whatever the size says) and "delay"
               (seconds before each read is answered); "deny" makes opening it fail; a link's "target"
               is what readlink answers (no answer without one)
  files        {path: entry}: what stat and open see at an exact path
  endless      a path under which every folder holds a folder "again" and a file, for ever
  long_handle  the length of every handle the server gives (paramiko's own are a few bytes)
  pubkey_algorithms  the public-key signature algorithms accepted (all when absent), e.g. ["ssh-rsa"]
                     for an old server that knows no SHA-2 RSA signatures

A path that nothing names is a 6-byte file holding "pwned\\n"; a directory that nothing lists holds
one such file, payload.txt. So a name that escapes, if believed, really writes something.
"""
import json
import posixpath
import socket
import sys
import threading
import time

import paramiko
from paramiko import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_SUCCEEDED,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_PERMISSION_DENIED,
    InteractiveQuery,
    SFTPAttributes,
    SFTPHandle,
    SFTPServer,
    SFTPServerInterface,
    ServerInterface,
)
from paramiko.common import cMSG_CHANNEL_REQUEST

PORT = int(sys.argv[1])
HOST_KEY = paramiko.Ed25519Key(filename=sys.argv[2])
with open(sys.argv[3], encoding="utf-8") as scenario_file:
    SCENARIO = json.load(scenario_file)

# paramiko does not tell check_auth_publickey which signature algorithm the client used: note it as
# the request is parsed (on the transport's own thread, the one that then calls check_auth_publickey).
ALGORITHM = threading.local()
_generate_key = paramiko.auth_handler.AuthHandler._generate_key_from_request


def _noting_algorithm(self, algorithm, keyblob):
    ALGORITHM.value = algorithm
    allowed = SCENARIO.get("pubkey_algorithms")
    if allowed is not None and algorithm not in allowed:
        # An old server refuses a signature algorithm it does not know (check_auth_publickey says no);
        # it does not drop the connection, as paramiko does for a key it cannot parse. The key is
        # never looked at after a refusal, so a stand-in will do.
        return object()
    return _generate_key(self, algorithm, keyblob)


paramiko.auth_handler.AuthHandler._generate_key_from_request = _noting_algorithm

DEFAULT = {"type": "file", "size": 6, "mode": 0o644, "content": "pwned\n"}
KINDS = {"file": 0o100000, "dir": 0o040000, "link": 0o120000}


def name_of(entry):
    if "name_hex" in entry:
        return bytes.fromhex(entry["name_hex"])
    return entry["name"].encode("utf-8")


# Every path a client could build from a listing (directory + "/" + name) to the entry it names.
INDEX = {}
for directory, entries in SCENARIO.get("dirs", {}).items():
    for entry in entries:
        raw = name_of(entry)
        INDEX.setdefault(directory.rstrip("/").encode("utf-8") + b"/" + raw, entry)
for path, entry in SCENARIO.get("files", {}).items():
    INDEX[path.encode("utf-8")] = entry


def endless(path):
    root = SCENARIO.get("endless")
    return root is not None and (path == root or path.startswith(root + "/"))


def lookup(path):
    if path in SCENARIO.get("dirs", {}) or (endless(path) and not path.endswith(".txt")):
        return {"type": "dir", "mode": 0o755}
    return INDEX.get(path.encode("utf-8"), DEFAULT)


def attributes(entry, follow=True):
    attr = SFTPAttributes()
    kind = entry.get("type", "file")
    if kind == "link" and follow:
        kind = entry.get("target_type", "file")
    default_mode = 0o755 if kind == "dir" else 0o777 if kind == "link" else 0o644
    attr.st_mode = KINDS[kind] | entry.get("mode", default_mode)
    size = entry.get("size", len(entry.get("content", "")))
    if size is not None:
        attr.st_size = size
    attr.st_uid = 0
    attr.st_gid = 0
    attr.st_atime = attr.st_mtime = entry.get("mtime", 1700000000)
    return attr


class ListedAttributes(SFTPAttributes):
    """A listing entry whose long name is whatever the scenario says."""

    longname = b""

    def asbytes(self):
        return self.longname


class Handle(SFTPHandle):
    def __init__(self, entry):
        super().__init__()
        self.entry = entry
        self.data = entry.get("content", "").encode("utf-8")
        self.stream = entry.get("stream")

    def read(self, offset, length):
        delay = self.entry.get("delay", 0)
        if delay:
            time.sleep(delay)
        if self.stream is not None:
            if self.stream >= 0 and offset >= self.stream:
                return b""
            count = length if self.stream < 0 else min(length, self.stream - offset)
            return b"x" * count
        return self.data[offset : offset + length]

    def stat(self):
        return attributes(self.entry)

    def write(self, offset, data):
        return SFTP_OK


class Files(SFTPServerInterface):
    def canonicalize(self, path):
        answers = SCENARIO.get("realpath", {})
        if path in answers:
            return answers[path]
        home = SCENARIO.get("home", "/home/evil")
        if path in (".", ""):
            return home
        return posixpath.normpath(posixpath.join(home, path))

    def list_folder(self, path):
        entries = SCENARIO.get("dirs", {}).get(path)
        if entries is None and endless(path):
            entries = [{"name": "again", "type": "dir"}, dict(DEFAULT, name="f.txt")]
        if entries is None:
            entries = [dict(DEFAULT, name="payload.txt")]
        listed = []
        for entry in entries:
            attr = ListedAttributes()
            base = attributes(entry, follow=False)
            for field in ("st_mode", "st_size", "st_uid", "st_gid", "st_atime", "st_mtime"):
                setattr(attr, field, getattr(base, field))
            attr.filename = name_of(entry)
            long = entry.get("longname")
            attr.longname = long.encode("utf-8") if long is not None else b"-rw-r--r-- 1 0 0 6 Jan 1 00:00 " + name_of(entry)
            listed.append(attr)
        return listed

    def stat(self, path):
        return attributes(lookup(path))

    def lstat(self, path):
        return attributes(lookup(path), follow=False)

    def open(self, path, flags, attr):
        entry = lookup(path)
        if entry.get("type") == "dir" or entry.get("deny"):
            return SFTP_PERMISSION_DENIED
        return Handle(entry)

    def readlink(self, path):
        entry = lookup(path)
        if entry.get("type") == "link" and "target" in entry:
            return entry["target"]
        return SFTP_NO_SUCH_FILE

    def remove(self, path):
        return SFTP_OK

    def mkdir(self, path, attr):
        return SFTP_OK

    def chattr(self, path, attr):
        return SFTP_OK


class Server(ServerInterface):
    def get_allowed_auths(self, username):
        return SCENARIO.get("methods", "publickey,password")

    def check_auth_password(self, username, password):
        return AUTH_SUCCESSFUL

    def check_auth_publickey(self, username, key):
        allowed = SCENARIO.get("pubkey_algorithms")
        if allowed is not None and getattr(ALGORITHM, "value", None) not in allowed:
            return AUTH_FAILED
        return AUTH_SUCCESSFUL

    def check_auth_interactive(self, username, submethods):
        spec = SCENARIO.get("interactive")
        if spec is None:
            return AUTH_FAILED
        query = InteractiveQuery(spec.get("name", ""), spec.get("instruction", ""))
        for text, echo in spec.get("prompts", [["Password: ", False]]):
            query.add_prompt(text, echo)
        return query

    def check_auth_interactive_response(self, responses):
        return AUTH_SUCCESSFUL

    def check_channel_request(self, kind, chanid):
        return OPEN_SUCCEEDED

    def check_global_request(self, kind, msg):
        # A hung server answers nothing more, keepalives included: its transport thread is stuck here.
        if HUNG.is_set():
            time.sleep(3600)
        return False

    def check_channel_exec_request(self, channel, command):
        threading.Thread(target=run_command, args=(channel,), daemon=True).start()
        return True


HUNG = threading.Event()


def run_command(channel):
    spec = SCENARIO.get("exec", {})
    if spec.get("hang"):
        HUNG.set()
    if spec.get("hang") or spec.get("silent"):
        return
    time.sleep(0.1)
    if spec.get("stdout"):
        channel.sendall(spec["stdout"].encode("utf-8"))
    if spec.get("stderr"):
        channel.sendall_stderr(spec["stderr"].encode("utf-8"))
    if "signal" in spec:
        message = paramiko.Message()
        message.add_byte(cMSG_CHANNEL_REQUEST)
        message.add_int(channel.remote_chanid)
        message.add_string("exit-signal")
        message.add_boolean(False)
        message.add_string(spec["signal"].encode("utf-8"))
        message.add_boolean(False)
        message.add_string("")
        message.add_string("")
        channel.transport._send_user_message(message)
    else:
        channel.send_exit_status(spec.get("status", 0))
    channel.shutdown_write()
    time.sleep(0.1)
    channel.close()


class Subsystem(SFTPServer):
    """paramiko's SFTP server, with handles as long as the scenario's "long_handle" says."""

    def _send_handle_response(self, request_number, handle, folder=False):
        size = SCENARIO.get("long_handle")
        if not size or not issubclass(type(handle), SFTPHandle):
            return super()._send_handle_response(request_number, handle, folder)
        name = b"h%d-" % self.next_handle
        handle._set_name(name + b"x" * (size - len(name)))
        self.next_handle += 1
        (self.folder_table if folder else self.file_table)[handle._get_name()] = handle
        self._response(request_number, paramiko.sftp.CMD_HANDLE, handle._get_name())


def serve(connection):
    transport = paramiko.Transport(connection)
    transport.add_server_key(HOST_KEY)
    transport.set_subsystem_handler("sftp", Subsystem, Files)
    try:
        transport.start_server(server=Server())
    except Exception:
        return
    # paramiko keeps channels by weak reference: hold every accepted one, or it closes when collected.
    channels = []
    while transport.is_active():
        channel = transport.accept(1)
        if channel is not None:
            channels.append(channel)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(64)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
