//! A Cisco message-table pattern as a small backtracking program over ASCII text.
//!
//! Each pattern is also a regular expression (`cisco_asa::compile_pattern` writes both), and the
//! regex crate reads any text. To read the groups it walks an automaton whose classes ("anything but
//! Python's whitespace") are sequences of UTF-8 bytes: 19,400 instructions a message; this program
//! takes 7,000. On ASCII text, nearly every line, those classes are sets of bytes and the patterns
//! are short and nearly deterministic. The program tries the expression's ways in its order of
//! preference (a greedy run longest first, a lazy one shortest first, an optional part present
//! first), so the first way that reaches the end is the match the expression gives, with the same
//! groups. Past a budget of work it gives up and the expression decides.

/// A set of ASCII bytes, as one bit each.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Set(u128);

impl Set {
    /// Every ASCII byte but those in `left_out`.
    pub(crate) const fn all_but(left_out: &[u8]) -> Set {
        let mut bits = u128::MAX;
        let mut at = 0;
        while at < left_out.len() {
            bits &= !(1 << left_out[at]);
            at += 1;
        }
        Set(bits)
    }

    /// The bytes from `low` to `high`.
    pub(crate) const fn range(low: u8, high: u8) -> Set {
        Set((u128::MAX >> (127 - high)) & (u128::MAX << low))
    }

    fn has(self, byte: u8) -> bool {
        byte < 128 && self.0 >> byte & 1 == 1
    }
}

/// Python's whitespace among ASCII bytes: what the expressions' `\s\x1C-\x1F` matches in ASCII text.
const SPACE: &[u8] = b"\t\n\x0B\x0C\r \x1C\x1D\x1E\x1F";

/// `[^\s\x1C-\x1F]` without the bytes `left_out` too, for ASCII text.
pub(crate) const fn word_but(left_out: &[u8]) -> Set {
    Set(Set::all_but(SPACE).0 & Set::all_but(left_out).0)
}

/// `.`: any byte but a newline.
pub(crate) const ANY: Set = Set::all_but(b"\n");
/// `\d` in ASCII text.
pub(crate) const DIGITS: Set = Set::range(b'0', b'9');

#[derive(Debug)]
enum Step {
    /// Literal bytes: `bytes[from..to]` of the program.
    Bytes { from: usize, to: usize },
    /// A run of bytes of a set, at least `min` long: the longest first, or the shortest if `lazy`.
    /// `only_longest` where a shorter one cannot lead on: it would stop before a byte of its set, and
    /// what follows cannot take one (`Program::finished`).
    Run {
        set: Set,
        min: usize,
        lazy: bool,
        only_longest: bool,
    },
    /// Where a group starts or ends (slot `2g` or `2g + 1`).
    Save(usize),
    /// An optional part (the next steps, up to `skip` on): with it first, else without.
    Try { skip: usize },
}

/// Groups a program can hold, the whole match (group 0) among them; a pattern with more is read by
/// its expression only.
const MAX_GROUPS: usize = 24;
/// Each group's start and end in the text (`UNSET` where the group took no part).
pub(crate) type Slots = [usize; 2 * MAX_GROUPS];
const UNSET: usize = usize::MAX;
/// Longer texts are left to the expression: the work a text may cost is bounded by its length.
const MAX_TEXT: usize = 4096;
/// Steps, and bytes looked at, before the program gives up on a text.
const BUDGET: usize = 20_000;

/// A pattern's steps, written beside its expression by `cisco_asa::compile_pattern`.
#[derive(Debug, Default)]
pub(crate) struct Program {
    steps: Vec<Step>,
    /// The literal bytes the steps match.
    bytes: Vec<u8>,
    /// The groups' names, group 1 first (group 0 is the whole match).
    names: Vec<String>,
    /// Whether the last step is literal bytes a next byte may join (not the end of an optional part).
    joinable: bool,
}

/// What a program found in a text.
pub(crate) enum Outcome {
    Match(Box<Slots>),
    NoMatch,
    /// Over budget: the expression must decide.
    Undecided,
}

impl Program {
    /// Literal text as the expression's source writes it (`cisco_asa::literal`): `\x` is the byte `x`,
    /// ` +` a run of one or more spaces.
    pub(crate) fn literal(&mut self, source: &str) {
        let mut bytes = source.bytes().peekable();
        while let Some(byte) = bytes.next() {
            match byte {
                b'\\' => {
                    if let Some(escaped) = bytes.next() {
                        self.byte(escaped);
                    }
                }
                b' ' if bytes.peek() == Some(&b'+') => {
                    bytes.next();
                    self.run(Set::range(b' ', b' '), 1, false);
                }
                _ => self.byte(byte),
            }
        }
    }

    /// One literal byte, added to the literal step before it if there is one.
    fn byte(&mut self, byte: u8) {
        self.bytes.push(byte);
        let to = self.bytes.len();
        match self.steps.last_mut() {
            Some(Step::Bytes { to: end, .. }) if self.joinable => *end = to,
            _ => self.steps.push(Step::Bytes { from: to - 1, to }),
        }
        self.joinable = true;
    }

    pub(crate) fn run(&mut self, set: Set, min: usize, lazy: bool) {
        self.joinable = false;
        self.steps.push(Step::Run {
            set,
            min,
            lazy,
            only_longest: false,
        });
    }

    /// The program once all its steps are written: each run knows whether only its longest length
    /// can lead on.
    pub(crate) fn finished(mut self) -> Program {
        for pc in 0..self.steps.len() {
            if let Step::Run { set, .. } = self.steps[pc] {
                let only = !self.may_take_one_of(pc + 1, set);
                if let Step::Run { only_longest, .. } = &mut self.steps[pc] {
                    *only_longest = only;
                }
            }
        }
        self
    }

    /// A group named `name` around what `body` adds, numbered in the order groups open, as the
    /// expression numbers them.
    pub(crate) fn group(&mut self, name: impl Into<String>, body: impl FnOnce(&mut Program)) {
        self.names.push(name.into());
        let group = self.names.len();
        self.steps.push(Step::Save(2 * group));
        self.joinable = false;
        body(self);
        self.steps.push(Step::Save(2 * group + 1));
        self.joinable = false;
    }

    /// `(?:…)?` around what `body` adds.
    pub(crate) fn optional(&mut self, body: impl FnOnce(&mut Program)) {
        let at = self.steps.len();
        self.steps.push(Step::Try { skip: 0 });
        self.joinable = false;
        body(self);
        self.joinable = false;
        self.steps[at] = Step::Try {
            skip: self.steps.len() - at,
        };
    }

    /// Groups, the whole match included.
    pub(crate) fn groups(&self) -> usize {
        self.names.len() + 1
    }

    /// Each group's name in order, `None` for the whole match: as the expression's `capture_names`.
    pub(crate) fn names(&self) -> impl Iterator<Item = Option<&str>> {
        std::iter::once(None).chain(self.names.iter().map(|name| Some(name.as_str())))
    }

    /// The group named `name`, if there is one.
    pub(crate) fn group_of(&self, name: &str) -> Option<usize> {
        self.names().position(|found| found == Some(name))
    }

    /// The match at the start of `text` (ASCII, at most `MAX_TEXT` bytes), with its groups.
    pub(crate) fn read(&self, text: &[u8]) -> Outcome {
        if self.groups() > MAX_GROUPS || text.len() > MAX_TEXT || !text.is_ascii() {
            return Outcome::Undecided;
        }
        let mut slots = Box::new([UNSET; 2 * MAX_GROUPS]);
        let mut walker = Walker {
            text,
            slots: &mut slots,
            trail: Vec::with_capacity(2 * self.groups()),
            work: 0,
        };
        match self.walk(0, 0, &mut walker) {
            Some(Some(end)) => {
                (slots[0], slots[1]) = (0, end);
                Outcome::Match(slots)
            }
            Some(None) => Outcome::NoMatch,
            None => Outcome::Undecided,
        }
    }

    /// Whether the steps from `pc` could take a byte of `set` first, or end there.
    fn may_take_one_of(&self, pc: usize, set: Set) -> bool {
        match self.steps.get(pc) {
            Some(Step::Save(_)) => self.may_take_one_of(pc + 1, set),
            Some(Step::Bytes { from, .. }) => set.has(self.bytes[*from]),
            Some(Step::Run { set: next, min, .. }) => {
                next.0 & set.0 != 0 || (*min == 0 && self.may_take_one_of(pc + 1, set))
            }
            Some(Step::Try { skip }) => {
                self.may_take_one_of(pc + 1, set) || self.may_take_one_of(pc + skip, set)
            }
            None => true,
        }
    }

    /// From step `pc` at byte `at`: `Some(Some(end))` where a way reaches the end, `Some(None)` where
    /// none does, `None` when over budget. Only a choice (an optional part, a run that could stop
    /// at more than one place) is a call of its own; a way that fails undoes its groups' places.
    fn walk(&self, mut pc: usize, mut at: usize, walker: &mut Walker<'_>) -> Option<Option<usize>> {
        loop {
            walker.work += 1;
            if walker.work > BUDGET {
                return None;
            }
            let Some(step) = self.steps.get(pc) else {
                return Some(Some(at));
            };
            match *step {
                Step::Bytes { from, to } => {
                    let bytes = &self.bytes[from..to];
                    if !walker.text[at..].starts_with(bytes) {
                        return Some(None);
                    }
                    (pc, at) = (pc + 1, at + bytes.len());
                }
                Step::Save(slot) => {
                    walker.trail.push((slot, walker.slots[slot]));
                    walker.slots[slot] = at;
                    pc += 1;
                }
                Step::Try { skip } => {
                    let mark = walker.trail.len();
                    if let Some(end) = self.walk(pc + 1, at, walker)? {
                        return Some(Some(end));
                    }
                    walker.undo(mark);
                    pc += skip;
                }
                Step::Run {
                    set,
                    min,
                    lazy,
                    only_longest,
                } => {
                    let rest = &walker.text[at..];
                    let longest = rest.iter().take_while(|byte| set.has(**byte)).count();
                    walker.work += longest;
                    if longest < min {
                        return Some(None);
                    }
                    let shortest = if only_longest { longest } else { min };
                    if shortest == longest {
                        (pc, at) = (pc + 1, at + longest);
                        continue;
                    }
                    let mark = walker.trail.len();
                    let mut lengths = shortest..=longest;
                    while let Some(length) = if lazy {
                        lengths.next()
                    } else {
                        lengths.next_back()
                    } {
                        if let Some(end) = self.walk(pc + 1, at + length, walker)? {
                            return Some(Some(end));
                        }
                        walker.undo(mark);
                    }
                    return Some(None);
                }
            }
        }
    }
}

/// One reading's state: the groups' places so far, the places they had before (to undo a way that
/// fails), and the work done.
struct Walker<'t> {
    text: &'t [u8],
    slots: &'t mut Slots,
    trail: Vec<(usize, usize)>,
    work: usize,
}

impl Walker<'_> {
    /// Put back the groups' places set since the trail was `mark` long.
    fn undo(&mut self, mark: usize) {
        while self.trail.len() > mark {
            if let Some((slot, kept)) = self.trail.pop() {
                self.slots[slot] = kept;
            }
        }
    }
}
