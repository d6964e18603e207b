/// A `chmod` mode: octal (`644`) or psftp's symbolic clauses (`u+x,go-w`, `a=r`).
public enum FileMode: Equatable, Sendable {
    /// One symbolic clause: who, what operation, which permissions.
    public struct Clause: Equatable, Sendable {
        public var who: UInt32
        public var operation: Character
        public var permissions: UInt32
    }

    case octal(UInt32)
    case symbolic([Clause])

    /// Parses `text`, or returns nil when it is neither octal nor symbolic.
    public init?(_ text: String) {
        if !text.isEmpty, text.allSatisfy({ ("0"..."7").contains($0) }) {
            guard let value = UInt32(text, radix: 8), value <= 0o7777 else { return nil }
            self = .octal(value)
            return
        }
        var clauses: [Clause] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var chars = part[...]
            var who: UInt32 = 0
            while let c = chars.first, "ugoa".contains(c) {
                who |= ["u": 0o4700, "g": 0o2070, "o": 0o1007, "a": 0o7777][c] ?? 0
                chars = chars.dropFirst()
            }
            if who == 0 { who = 0o7777 }
            guard let op = chars.first, "+-=".contains(op) else { return nil }
            chars = chars.dropFirst()
            var permissions: UInt32 = 0
            for c in chars {
                switch c {
                case "r": permissions |= 0o444
                case "w": permissions |= 0o222
                case "x": permissions |= 0o111
                case "s": permissions |= 0o6000
                case "t": permissions |= 0o1000
                default: return nil
                }
            }
            clauses.append(Clause(who: who, operation: op, permissions: permissions))
        }
        self = .symbolic(clauses)
    }

    /// The permission bits after applying this mode to `current`.
    public func applied(to current: UInt32) -> UInt32 {
        switch self {
        case .octal(let value): return value
        case .symbolic(let clauses):
            var mode = current & 0o7777
            for clause in clauses {
                let bits = clause.permissions & clause.who
                switch clause.operation {
                case "+": mode |= bits
                case "-": mode &= ~bits
                default: mode = (mode & ~clause.who) | bits
                }
            }
            return mode
        }
    }
}
