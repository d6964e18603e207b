import Testing

@testable import FerryScript

/// `${NAME}`, `$1`…`$9`, `${env:NAME}` and `$$` in every place a word can stand, and the errors for
/// names that have no value.
@Suite("Script parameters")
struct ScriptParameterTests {
    let parameters = ScriptParameters(
        named: ["DIR": "/srv/backup", "SPACED": "two words", "QUOTE": "say \"hi\"", "CMD": "get", "FLAG": "-r"],
        positional: ["first", "second arg"], environment: ["HOME": "/home/ops"])

    func command(_ line: String) throws -> Command? {
        try ScriptParser.parse(line, file: "p.scr", parameters: parameters).lines.first?.command
    }

    @Test func namesAndArgumentsStandInEveryWordPosition() throws {
        #expect(try command("cd ${DIR}") == .cd(path: "/srv/backup"))
        #expect(
            try command("${CMD} $1 ${DIR}/$2")
                == .transfer(Transfer(kind: .get, sources: ["first"], destination: "/srv/backup/second arg")))
        #expect(try command("get ${FLAG} $1") == .transfer(Transfer(kind: .get, sources: ["first"], recursive: true)))
        #expect(try command("lcd \"${DIR}/x y\"") == .lcd(path: "/srv/backup/x y"))
        #expect(try command("lcd ${env:HOME}/in") == .lcd(path: "/home/ops/in"))
        #expect(try command("mkdir ${1} pre${SPACED}post") == .mkdir(paths: ["first", "pretwo wordspost"]))
        #expect(try command("mkdir ${QUOTE}") == .mkdir(paths: ["say \"hi\""]))
        let ignored = try ScriptParser.parse("-rm $1", file: "p.scr", parameters: parameters).lines[0]
        #expect(ignored.ignoresFailure && ignored.command == .rm(patterns: ["first"]))
    }

    @Test func dollarSignsThatAreNotReferencesStayAsWritten() throws {
        #expect(
            try command("mkdir $$ a$$b $${DIR} C$ a$b $ $0")
                == .mkdir(paths: ["$", "a$b", "${DIR}", "C$", "a$b", "$", "$0"]))
        // Without parameters (no -D, no --, the prompt's completion) nothing is replaced.
        let plain = try ScriptParser.parse("mkdir ${DIR} $1", file: "p.scr").lines[0].command
        #expect(plain == .mkdir(paths: ["${DIR}", "$1"]))
    }

    @Test func shellLinesReplaceOnlyBracedReferences() throws {
        #expect(
            try command("run awk '{print $1}' ${DIR}/f; echo $$ $${HOME} ${1}")
                == .run(RemoteRun(command: "awk '{print $1}' /srv/backup/f; echo $$ ${HOME} first")))
        #expect(try command("!ls ${DIR} $HOME") == .local(commandLine: "ls /srv/backup $HOME"))
        #expect(try command("run -o ${CMD}.txt uname") == .run(RemoteRun(command: "uname", outputName: "get.txt")))
    }

    @Test func aReferenceWithoutAValueIsAnErrorAtItsColumn() {
        let text = "cd ${NOPE}\nget $3\nrun echo ${env:FERRY_UNSET_X}\n!echo ${2x}\nlcd \"${DIR\n"
        #expect(throws: ScriptErrors.self) { try ScriptParser.parse(text, file: "p.scr", parameters: parameters) }
        do {
            _ = try ScriptParser.parse(text, file: "p.scr", parameters: parameters)
        } catch {
            let found = error.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
            #expect(found.count == 5)
            #expect(found[0].hasPrefix("1:4: parameter NOPE is not defined (give it with -D NOPE=VALUE"))
            #expect(found[1] == "2:5: argument $3 is not set (only 2 given after --)")
            #expect(found[2] == "3:10: environment variable FERRY_UNSET_X is not set")
            #expect(found[3].hasPrefix("4:7: '${2x}' is not a parameter"))
            #expect(found[4].hasPrefix("5:6: '${' is not closed"))
        }
    }

    @Test func definitionsAreNameEqualsValue() {
        #expect(ScriptParameters.definition("HOST_DIR=/a=b")! == ("HOST_DIR", "/a=b"))
        #expect(ScriptParameters.definition("EMPTY=")! == ("EMPTY", ""))
        #expect(ScriptParameters.definition("1X=2") == nil)
        #expect(ScriptParameters.definition("NOEQUALS") == nil)
        #expect(ScriptParameters.definition("A-B=1") == nil)
    }
}
