//! RFC 8785 JSON Canonicalization Scheme (JCS), written here because no maintained crate
//! covers it with the ECMAScript number formatting the RFC requires.
//!
//! Objects have their keys sorted by UTF-16 code units, no whitespace is emitted, strings use
//! the minimal JSON escapes (`\b \t \n \f \r \" \\` and `\u00xx` for other control
//! characters), and numbers are IEEE-754 doubles printed as ECMAScript's
//! `Number.prototype.toString` does.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    #[error("invalid JSON: {0}")]
    Parse(String),
    #[error("number {0} cannot be represented exactly as an IEEE-754 double")]
    InexactNumber(String),
}

/// Canonicalizes JSON text.
pub fn canonicalize_str(json: &[u8]) -> Result<String, JcsError> {
    let v: Value = serde_json::from_slice(json).map_err(|e| JcsError::Parse(e.to_string()))?;
    canonicalize(&v)
}

/// Canonicalizes a JSON value.
pub fn canonicalize(v: &Value) -> Result<String, JcsError> {
    let mut out = String::new();
    write_value(v, &mut out)?;
    Ok(out)
}

fn write_value(v: &Value, out: &mut String) -> Result<(), JcsError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let f = if let Some(u) = n.as_u64() {
                let f = u as f64;
                // Integers beyond 2^53 would change value silently: refuse them, unless the
                // digits are already the canonical form of that double (canonical output of a
                // large double, e.g. 5940839265452669000, must canonicalize to itself).
                if (f >= 18446744073709551616.0 || f as u64 != u) && !is_canonical(f, n) {
                    return Err(JcsError::InexactNumber(n.to_string()));
                }
                f
            } else if let Some(i) = n.as_i64() {
                let f = i as f64;
                if (f < -9223372036854775808.0 || f as i64 != i) && !is_canonical(f, n) {
                    return Err(JcsError::InexactNumber(n.to_string()));
                }
                f
            } else {
                n.as_f64()
                    .ok_or_else(|| JcsError::InexactNumber(n.to_string()))?
            };
            write_number(f, out);
        }
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<(&String, Vec<u16>)> =
                m.keys().map(|k| (k, k.encode_utf16().collect())).collect();
            keys.sort_by(|a, b| a.1.cmp(&b.1));
            out.push('{');
            for (i, (k, _)) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(&m[k.as_str()], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript Number::toString for a finite double (ECMA-262 §6.1.6.1.20).
pub fn format_number(f: f64) -> String {
    let mut s = String::new();
    write_number(f, &mut s);
    s
}

/// Whether `n`'s digits are exactly how `f` is written canonically.
fn is_canonical(f: f64, n: &serde_json::Number) -> bool {
    let mut s = String::new();
    write_number(f, &mut s);
    s == n.to_string()
}

fn write_number(f: f64, out: &mut String) {
    if f == 0.0 {
        out.push('0');
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, like ECMAScript requires:
    // "d.ddde±x". Take the digits s (k of them) and n = x + 1 so that value = 0.s × 10^n.
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').expect("LowerExp has an exponent");
    let mut digits: String = mant.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().expect("exponent is an integer") + 1;
    // ECMAScript breaks a tie between two equally near shortest candidates towards the even
    // digit; Rust's shortest formatting may round the other way. Compare with the exact
    // decimal expansion (a double has at most 767 significant digits).
    let exact = format!("{:.800e}", f.abs());
    let (xm, xe) = exact.split_once('e').expect("LowerExp has an exponent");
    if xe == exp {
        let xd: String = xm.chars().filter(|c| *c != '.').collect();
        let (head, tail) = xd.split_at(digits.len());
        if tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0') {
            let last = head.as_bytes()[head.len() - 1] - b'0';
            if last.is_multiple_of(2) {
                digits = head.to_owned();
            } else if last < 9 {
                digits = format!("{}{}", &head[..head.len() - 1], last + 1);
            }
        }
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let x = n - 1;
        out.push('e');
        out.push(if x < 0 { '-' } else { '+' });
        out.push_str(&x.abs().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8785_appendix_b_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in cases {
            assert_eq!(format_number(f64::from_bits(*bits)), *want, "{bits:016x}");
        }
    }

    #[test]
    fn rfc8785_section_3_2_2_example() {
        let input = br#"{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
        assert_eq!(
            canonicalize_str(input).unwrap(),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    #[test]
    fn rfc8785_section_3_2_3_sorting() {
        let input = br#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
        let out = canonicalize_str(input).unwrap();
        let v: serde_json::Map<String, Value> = serde_json::from_str(&out).unwrap();
        let _ = v;
        let order: Vec<&str> = vec![
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ];
        let mut last = 0;
        for name in order {
            let at = out.find(name).unwrap();
            assert!(at > last, "{name} out of order in {out}");
            last = at;
        }
    }

    #[test]
    fn refuses_inexact_integers_and_bad_json() {
        assert!(canonicalize_str(b"9007199254740993").is_err());
        assert_eq!(
            canonicalize_str(b"9007199254740992").unwrap(),
            "9007199254740992"
        );
        assert_eq!(canonicalize_str(b"-17").unwrap(), "-17");
        assert!(matches!(canonicalize_str(b"{"), Err(JcsError::Parse(_))));
    }
}
