/// `text` as a JSON string literal (RFC 8259 §7): the quotation mark, the backslash and the control
/// characters escaped, newline, carriage return and tab in their short forms, every other control
/// character as \uXXXX. With `escapingLessThan`, `<` is written \u003c as well, so that no text can
/// close the HTML script element the JSON sits in (`minidraw explore`'s page). Used by the
/// safetensors header and the explore page, the two places MiniDRAW writes JSON.
package func jsonStringLiteral(_ text: String, escapingLessThan: Bool = false) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": literal += "\\\""
        case "\\": literal += "\\\\"
        case "\n": literal += "\\n"
        case "\r": literal += "\\r"
        case "\t": literal += "\\t"
        case "<" where escapingLessThan: literal += "\\u003c"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            literal += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: literal.unicodeScalars.append(scalar)
        }
    }
    return literal + "\""
}
