//! The `show_if` expression language: parsing a string such as
//! `contact == "yes" and not (age_group in ["18-29", "30-44"])` into a [`Condition`], and
//! evaluating a condition on the answers given so far.
//!
//! Grammar (keywords are lower case; whitespace is free):
//!
//! ```text
//! expr       = and_expr { "or" and_expr }
//! and_expr   = unary { "and" unary }
//! unary      = "not" unary | primary
//! primary    = "(" expr ")" | "answered" "(" name ")" | name test
//! test       = ("==" | "!=") value | ("<" | "<=" | ">" | ">=") number
//!            | ["not"] "in" "[" value { "," value } [","] "]"
//! value      = string | number          string = "..." or '...'   number = [-]digits[.digits]
//! ```
//!
//! A hand-written recursive-descent parser keeps the error messages precise (they name the
//! column) and the dependency list short.

use super::model::{Answer, Answers, CmpOp, Condition, Survey, Value};

/// Longest accepted expression, in characters; also bounds the parser's recursion.
pub const MAX_CONDITION_LEN: usize = 1000;

/// A syntax error in a `show_if` expression, at a 1-based character column.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    Num(f64),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    End,
}

fn describe(t: &Token) -> String {
    match t {
        Token::Name(n) => format!("`{n}`"),
        Token::Str(s) => format!("the string \"{s}\""),
        Token::Num(n) => format!("the number {n}"),
        Token::Op(o) => format!("`{o}`"),
        Token::LParen => "`(`".into(),
        Token::RParen => "`)`".into(),
        Token::LBracket => "`[`".into(),
        Token::RBracket => "`]`".into(),
        Token::Comma => "`,`".into(),
        Token::End => "the end of the expression".into(),
    }
}

/// Splits the expression into tokens with their 1-based columns.
fn tokenize(src: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let op = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(op) = op {
            out.push((Token::Op(op), col));
            i += 2;
            continue;
        }
        match c {
            '<' => out.push((Token::Op("<"), col)),
            '>' => out.push((Token::Op(">"), col)),
            '(' => out.push((Token::LParen, col)),
            ')' => out.push((Token::RParen, col)),
            '[' => out.push((Token::LBracket, col)),
            ']' => out.push((Token::RBracket, col)),
            ',' => out.push((Token::Comma, col)),
            '=' => {
                return Err(SyntaxError {
                    column: col,
                    message: "`=` is not an operator; write `==` to compare".into(),
                });
            }
            '"' | '\'' => {
                let end = chars[i + 1..].iter().position(|&x| x == c);
                let Some(len) = end else {
                    return Err(SyntaxError {
                        column: col,
                        message: "this string is not closed".into(),
                    });
                };
                let s: String = chars[i + 1..i + 1 + len].iter().collect();
                out.push((Token::Str(s), col));
                i += len + 2;
                continue;
            }
            _ if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                let n = text
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| SyntaxError {
                        column: col,
                        message: format!("`{text}` is not a number"),
                    })?;
                out.push((Token::Num(n), col));
                i = j;
                continue;
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                out.push((Token::Name(chars[i..j].iter().collect()), col));
                i = j;
                continue;
            }
            _ => {
                return Err(SyntaxError {
                    column: col,
                    message: format!("unexpected character `{c}`"),
                });
            }
        }
        i += 1;
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    depth: usize,
}

const KEYWORDS: [&str; 4] = ["and", "or", "not", "in"];

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }
    fn column(&self) -> usize {
        self.tokens[self.pos].1
    }
    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos].0.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }
    fn error<T>(&self, expected: &str) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            column: self.column(),
            message: format!("expected {expected}, found {}", describe(self.peek())),
        })
    }
    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Token::Name(n) if n == kw)
    }
    fn expect(&mut self, t: Token, what: &str) -> Result<(), SyntaxError> {
        if *self.peek() == t {
            self.next();
            Ok(())
        } else {
            self.error(what)
        }
    }

    fn expr(&mut self) -> Result<Condition, SyntaxError> {
        self.depth += 1;
        if self.depth > 50 {
            return Err(SyntaxError {
                column: self.column(),
                message: "the expression is nested too deeply".into(),
            });
        }
        let mut parts = vec![self.and_expr()?];
        while self.is_keyword("or") {
            self.next();
            parts.push(self.and_expr()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Condition, SyntaxError> {
        let mut parts = vec![self.unary()?];
        while self.is_keyword("and") {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Condition, SyntaxError> {
        if self.is_keyword("not") {
            self.next();
            self.depth += 1;
            if self.depth > 50 {
                return self.error("a shorter expression");
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn name(&mut self) -> Result<String, SyntaxError> {
        match self.peek().clone() {
            Token::Name(n) if !KEYWORDS.contains(&n.as_str()) => {
                self.next();
                Ok(n)
            }
            _ => self.error("a question id"),
        }
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        match self.peek().clone() {
            Token::Str(s) => {
                self.next();
                Ok(Value::Str(s))
            }
            Token::Num(n) => {
                self.next();
                Ok(Value::Num(n))
            }
            Token::Name(n) if !KEYWORDS.contains(&n.as_str()) => Err(SyntaxError {
                column: self.column(),
                message: format!(
                    "expected a value, found `{n}`; put option codes in quotes: \"{n}\""
                ),
            }),
            _ => self.error("a value (a quoted option code or a number)"),
        }
    }

    fn list(&mut self) -> Result<Vec<Value>, SyntaxError> {
        self.expect(Token::LBracket, "`[` to start the list of values")?;
        let mut values = vec![self.value()?];
        while *self.peek() == Token::Comma {
            self.next();
            if *self.peek() == Token::RBracket {
                break;
            }
            values.push(self.value()?);
        }
        self.expect(Token::RBracket, "`,` or `]`")?;
        Ok(values)
    }

    fn primary(&mut self) -> Result<Condition, SyntaxError> {
        if *self.peek() == Token::LParen {
            self.next();
            let inner = self.expr()?;
            self.expect(Token::RParen, "`)`")?;
            return Ok(inner);
        }
        if self.is_keyword("answered") {
            let column = self.column();
            self.next();
            if *self.peek() == Token::LParen {
                self.next();
                let name = self.name()?;
                self.expect(Token::RParen, "`)`")?;
                return Ok(Condition::Answered(name));
            }
            // A question may itself be called `answered`.
            self.pos -= 1;
            debug_assert_eq!(self.column(), column);
        }
        let name = self.name()?;
        match self.peek().clone() {
            Token::Op("==") => {
                self.next();
                Ok(Condition::Equals(name, self.value()?))
            }
            Token::Op("!=") => {
                self.next();
                Ok(Condition::NotEquals(name, self.value()?))
            }
            Token::Op(op) => {
                let op = match op {
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                self.next();
                match self.peek().clone() {
                    Token::Num(n) => {
                        self.next();
                        Ok(Condition::Compare(name, op, n))
                    }
                    _ => self.error("a number after a comparison"),
                }
            }
            Token::Name(k) if k == "in" => {
                self.next();
                Ok(Condition::In(name, self.list()?))
            }
            Token::Name(k) if k == "not" => {
                self.next();
                if !self.is_keyword("in") {
                    return self.error("`in` after `not`");
                }
                self.next();
                Ok(Condition::Not(Box::new(Condition::In(name, self.list()?))))
            }
            _ => self.error("`==`, `!=`, `<`, `<=`, `>`, `>=` or `in`"),
        }
    }
}

/// Parses a `show_if` expression.
pub fn parse(src: &str) -> Result<Condition, SyntaxError> {
    if src.chars().count() > MAX_CONDITION_LEN {
        return Err(SyntaxError {
            column: 1,
            message: format!("the expression is longer than {MAX_CONDITION_LEN} characters"),
        });
    }
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    if *p.peek() == Token::End {
        return p.error("a condition");
    }
    let cond = p.expr()?;
    if *p.peek() != Token::End {
        return p.error("`and`, `or` or the end of the expression");
    }
    Ok(cond)
}

/// Every answer key a condition reads, with the values it compares them to (`None` for
/// `answered`), for validation.
pub fn references(cond: &Condition) -> Vec<Reference<'_>> {
    let mut out = Vec::new();
    collect(cond, &mut out);
    out
}

/// One use of an answer key inside a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference<'a> {
    /// `==`, `!=`, `in`: the value must be a possible answer.
    Equality(&'a str, &'a Value),
    /// `<`, `<=`, `>`, `>=`: the question must be numeric.
    Comparison(&'a str, f64),
    Answered(&'a str),
}

impl Reference<'_> {
    pub fn key(&self) -> &str {
        match self {
            Reference::Equality(k, _) | Reference::Comparison(k, _) | Reference::Answered(k) => k,
        }
    }
}

fn collect<'a>(cond: &'a Condition, out: &mut Vec<Reference<'a>>) {
    match cond {
        Condition::Equals(k, v) | Condition::NotEquals(k, v) => out.push(Reference::Equality(k, v)),
        Condition::In(k, vs) => out.extend(vs.iter().map(|v| Reference::Equality(k, v))),
        Condition::Compare(k, _, n) => out.push(Reference::Comparison(k, *n)),
        Condition::Answered(k) => out.push(Reference::Answered(k)),
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| collect(c, out)),
        Condition::Not(c) => collect(c, out),
    }
}

/// Evaluates a condition on the answers given so far. An unanswered question makes every
/// comparison on it false (so `not (q == "a")` holds when `q` is unanswered); for a multiple
/// choice, `==` means "is among the chosen options".
pub fn eval(survey: &Survey, cond: &Condition, answers: &Answers) -> bool {
    match cond {
        Condition::Equals(k, v) => answers.get(k).is_some_and(|a| matches(a, v)),
        Condition::NotEquals(k, v) => answers.get(k).is_some_and(|a| !matches(a, v)),
        Condition::In(k, vs) => answers
            .get(k)
            .is_some_and(|a| vs.iter().any(|v| matches(a, v))),
        Condition::Compare(k, op, n) => answers
            .get(k)
            .and_then(|a| numeric_value(survey, k, a))
            .is_some_and(|x| match op {
                CmpOp::Lt => x < *n,
                CmpOp::Le => x <= *n,
                CmpOp::Gt => x > *n,
                CmpOp::Ge => x >= *n,
            }),
        Condition::Answered(k) => answers.contains_key(k),
        Condition::And(cs) => cs.iter().all(|c| eval(survey, c, answers)),
        Condition::Or(cs) => cs.iter().any(|c| eval(survey, c, answers)),
        Condition::Not(c) => !eval(survey, c, answers),
    }
}

fn same(text: &str, v: &Value) -> bool {
    match v {
        Value::Str(s) => text == s,
        Value::Num(n) => text.parse::<f64>().is_ok_and(|x| x == *n),
    }
}

fn matches(answer: &Answer, v: &Value) -> bool {
    match answer {
        Answer::Value(s) => same(s, v),
        Answer::Codes(codes) => codes.iter().any(|c| same(c, v)),
        Answer::Number(x) => match v {
            Value::Num(n) => x == n,
            Value::Str(s) => s.parse::<f64>().is_ok_and(|n| n == *x),
        },
    }
}

/// The number an answer stands for in a comparison: the number itself, or the score of the
/// chosen option (Likert scales); `None` for "don't know" and other unscored codes.
pub fn numeric_value(survey: &Survey, key: &str, answer: &Answer) -> Option<f64> {
    match answer {
        Answer::Number(x) => Some(*x),
        Answer::Value(code) => survey
            .question_of(key)
            .and_then(|q| q.choice(code))
            .and_then(|c| c.score),
        Answer::Codes(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn parses_equality_membership_and_logic() {
        let c = parse(r#"age_group in ["18-29", "30-44"] and not (gender == "female")"#).unwrap();
        assert_eq!(
            c,
            Condition::And(vec![
                Condition::In("age_group".into(), vec![s("18-29"), s("30-44")]),
                Condition::Not(Box::new(Condition::Equals("gender".into(), s("female")))),
            ])
        );
        let c = parse("satisfaction >= 7 or answered(comment)").unwrap();
        assert_eq!(
            c,
            Condition::Or(vec![
                Condition::Compare("satisfaction".into(), CmpOp::Ge, 7.0),
                Condition::Answered("comment".into()),
            ])
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let c = parse("a == 'x' or b == 'y' and c != 'z'").unwrap();
        assert_eq!(
            c,
            Condition::Or(vec![
                Condition::Equals("a".into(), s("x")),
                Condition::And(vec![
                    Condition::Equals("b".into(), s("y")),
                    Condition::NotEquals("c".into(), s("z")),
                ]),
            ])
        );
    }

    #[test]
    fn not_in_and_negative_numbers() {
        assert_eq!(
            parse("x not in [1, -2.5,]").unwrap(),
            Condition::Not(Box::new(Condition::In(
                "x".into(),
                vec![Value::Num(1.0), Value::Num(-2.5)]
            )))
        );
        assert_eq!(
            parse("t < -3").unwrap(),
            Condition::Compare("t".into(), CmpOp::Lt, -3.0)
        );
    }

    #[test]
    fn errors_name_the_column() {
        let e = parse("contact = \"yes\"").unwrap_err();
        assert_eq!(e.column, 9);
        assert!(e.message.contains("=="), "{}", e.message);
        let e = parse("contact == yes").unwrap_err();
        assert_eq!(e.column, 12);
        assert!(e.message.contains("quotes"));
        let e = parse("(a == 'x'").unwrap_err();
        assert_eq!(e.column, 10);
        assert!(e.message.contains("`)`"));
        let e = parse("a == 'x' b").unwrap_err();
        assert_eq!(e.column, 10);
        let e = parse("a >= 'x'").unwrap_err();
        assert!(e.message.contains("number"));
        let e = parse("a == 'x").unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (6, "this string is not closed")
        );
        assert!(parse("").is_err());
        assert!(parse("a == 1 and").is_err());
        assert!(
            parse("a ≠ 1")
                .unwrap_err()
                .message
                .contains("unexpected character")
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}a == 1{}", "(".repeat(400), ")".repeat(400));
        assert!(parse(&deep).is_err());
        let nots = format!("{}a == 1", "not ".repeat(200));
        assert!(parse(&nots).is_err());
    }

    #[test]
    fn question_may_be_called_answered() {
        assert_eq!(
            parse("answered == 'x'").unwrap(),
            Condition::Equals("answered".into(), s("x"))
        );
    }
}
