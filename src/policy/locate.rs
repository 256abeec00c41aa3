//! Finds the line of a JSON path (`subjects[1].grants[0].role`) in a document's text, so
//! policy errors can point at the line a person has to edit.

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The 1-based line where the value at `path` starts, or `None` if the path is not there.
pub fn line_of(src: &str, path: &str) -> Option<usize> {
    let segments = parse_path(path)?;
    let mut scan = Scanner {
        src: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    scan.find(&segments)?;
    Some(src.get(..scan.pos)?.bytes().filter(|&b| b == b'\n').count() + 1)
}

fn parse_path(path: &str) -> Option<Vec<Segment<'_>>> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            segments.push(Segment::Key(key));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            segments.push(Segment::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(segments)
}

/// Deeper documents than this are not searched (the scanner recurses).
const MAX_DEPTH: usize = 128;

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == c).then(|| self.pos += 1)
    }

    /// Leaves `pos` at the start of the value at `segments`, below the value at `pos`.
    fn find(&mut self, segments: &[Segment<'_>]) -> Option<()> {
        self.skip_ws();
        let Some((first, rest)) = segments.split_first() else {
            return Some(());
        };
        match first {
            Segment::Key(key) => {
                self.eat(b'{')?;
                loop {
                    self.skip_ws();
                    let start = self.pos + 1;
                    self.skip_string()?;
                    let name = self.src.get(start..self.pos - 1)?;
                    self.eat(b':')?;
                    if name == key.as_bytes() {
                        return self.find(rest);
                    }
                    self.skip_value()?;
                    self.eat(b',')?;
                }
            }
            Segment::Index(index) => {
                self.eat(b'[')?;
                for _ in 0..*index {
                    self.skip_value()?;
                    self.eat(b',')?;
                }
                self.find(rest)
            }
        }
    }

    fn skip_string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        c if c == close => break,
                        b',' | b':' => self.pos += 1,
                        _ => self.skip_value()?,
                    }
                }
                self.pos += 1;
                self.depth -= 1;
                Some(())
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b',' | b']' | b'}') && !c.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "tenant": "a\"cme",
  "roles": [
    {"name": "x", "permissions": ["a", {"b": [1, 2]}]},
    {"name": "y",
     "permissions": []}
  ],
  "subjects": [{"id": "s", "grants": [
    {"role": "x"},
    {"role": "admn"}]}]
}"#;

    #[test]
    fn finds_lines_of_paths() {
        assert_eq!(line_of(DOC, "tenant"), Some(2));
        assert_eq!(line_of(DOC, "roles[1]"), Some(5));
        assert_eq!(line_of(DOC, "roles[1].permissions"), Some(6));
        assert_eq!(line_of(DOC, "subjects[0].grants[1].role"), Some(10));
        assert_eq!(line_of(DOC, "roles[0].permissions[1]"), Some(4));
    }

    #[test]
    fn missing_paths_and_bad_text_give_none() {
        assert_eq!(line_of(DOC, "roles[7]"), None);
        assert_eq!(line_of(DOC, "nothing"), None);
        assert_eq!(line_of("{\"a\": [", "a[3]"), None);
        assert_eq!(line_of("not json", "a"), None);
        assert_eq!(line_of(&"[".repeat(10_000), "a"), None);
        assert_eq!(line_of(DOC, "roles[x]"), None);
    }
}
