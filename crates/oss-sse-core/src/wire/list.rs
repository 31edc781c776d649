//! The list documents (`ListBucketResult`, `ListMultipartUploadsResult`) read in one pass.
//!
//! A page of 1,000 objects is some 200 KB of XML, and listing a bucket is reading thousands
//! of them, so this is the hottest parser in the SDK. OSS writes these documents in one
//! shape: an optional declaration, a root without attributes, children that are leaves or
//! groups of leaves, text without markup. [`read_list`] reads that shape with a byte scanner
//! (memchr over `<` and `>`, one UTF-8 check of the whole body) and hands anything else to
//! quick-xml's reader, so every well-formed document reads the same either way (a property
//! test holds the two to that) and the scanner never has to be clever.

use std::borrow::Cow;

/// Reads a list document (`ListBucketResult`, `ListMultipartUploadsResult`: a root whose
/// children are leaves or groups of leaves, `Owner` one level deeper) with no intermediate
/// tree.
///
/// `on(path, Some(text))` is called at the end of every element that holds no element, with
/// the names from the root's child down to it (`["Contents", "Key"]`; a name the list
/// documents do not use reads as `""`) and its text, references resolved (empty for `<A/>`).
/// `on([name], None)` is called at the end of every child of the root that held elements
/// (`Contents`, `CommonPrefixes`, `Upload`). The root is checked first, and a DTD is
/// refused. Element order does not matter.
pub(crate) fn read_list<'a, S: Default>(
    body: &'a [u8],
    root: &str,
    mut on: impl FnMut(&mut S, &[&'static str], Option<Cow<'a, str>>),
) -> Result<S, String> {
    let mut state = S::default();
    if scan(body, root, |p, t| on(&mut state, p, t)).is_some() {
        return Ok(state);
    }
    // Not OSS's shape: start over on the general reader.
    let mut state = S::default();
    read_list_slow(body, root, |p, t| on(&mut state, p, t))?;
    Ok(state)
}

/// Deepest element below the root the scanner follows (`Contents/Owner/ID`).
const MAX_DEPTH: usize = 3;

/// The scanner: calls `on` for a document in OSS's shape and returns `Some`; returns `None`
/// (perhaps after some calls) for anything else, which the caller then reads with quick-xml
/// (which also produces the errors).
///
/// Generic over `on` rather than taking a `dyn FnMut`: the caller's per-element match is
/// inlined into the loop (a 1,000-key page parses about 10% faster than through a vtable).
fn scan<'a>(
    body: &'a [u8],
    root: &str,
    mut on: impl FnMut(&[&'static str], Option<Cow<'a, str>>),
) -> Option<()> {
    let s = std::str::from_utf8(body).ok()?;
    let b = s.as_bytes();
    let ws = |i: usize| {
        b[i..]
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .map_or(b.len(), |n| i + n)
    };
    let mut i = ws(0);
    if b[i..].starts_with(b"<?xml") {
        i = ws(i + memchr::memmem::find(&b[i..], b"?>")? + 2);
    }
    let open = b[i..].strip_prefix(b"<")?.strip_prefix(root.as_bytes())?;
    if *open.first()? != b'>' {
        return None;
    }
    i += root.len() + 2;
    // The open elements below the root: their names as written, as known, and whether
    // each has held an element.
    let mut names: [&'a str; MAX_DEPTH] = [""; MAX_DEPTH];
    let mut path: [&'static str; MAX_DEPTH] = [""; MAX_DEPTH];
    let mut held = [false; MAX_DEPTH];
    let mut depth = 0usize;
    loop {
        // Between elements there is mostly no text at all.
        let lt = if b.get(i) == Some(&b'<') {
            i
        } else {
            i + find(b'<', &b[i..])?
        };
        let text = &s[i..lt];
        let gt = lt + find(b'>', &b[lt..])?;
        match *b.get(lt + 1)? {
            b'/' => {
                let name = &s[lt + 2..gt];
                if depth == 0 {
                    // The root's end; what follows is ignored.
                    return (name == root).then_some(());
                }
                if !same(name.as_bytes(), names[depth - 1].as_bytes()) {
                    return None;
                }
                if held[depth - 1] {
                    if !text.bytes().all(|c| c.is_ascii_whitespace()) {
                        return None;
                    }
                    if depth == 1 {
                        on(&path[..1], None);
                    }
                } else {
                    on(&path[..depth], Some(unescape(text)?));
                }
                depth -= 1;
                path[depth] = "";
            }
            c if c.is_ascii_alphabetic() => {
                let (tag, empty) = match s[lt + 1..gt].strip_suffix('/') {
                    Some(t) => (t, true),
                    None => (&s[lt + 1..gt], false),
                };
                let known = list_name(tag.as_bytes());
                // A name the list documents use is well-formed as it is.
                if known.is_empty() && !tag.bytes().all(|c| c.is_ascii_alphanumeric()) {
                    return None;
                }
                if depth > 0 {
                    if !text.bytes().all(|c| c.is_ascii_whitespace()) {
                        return None;
                    }
                    held[depth - 1] = true;
                }
                if depth == MAX_DEPTH {
                    return None;
                }
                path[depth] = known;
                if !empty {
                    // A leaf, `<Name>text</Name>`, read in one step: its end tag is checked
                    // where its text stops instead of being searched for and matched apart.
                    // Its text ends at the first `<`; an `&` before it means references.
                    let from = gt + 1;
                    let stop = from + find2(b'<', b'&', &b[from..])?;
                    let (end, refs) = if b[stop] == b'<' {
                        (stop, false)
                    } else {
                        (stop + find(b'<', &b[stop..])?, true)
                    };
                    let close = &b[end..];
                    if close.len() > tag.len() + 2
                        && close[1] == b'/'
                        && close[tag.len() + 2] == b'>'
                        && same(&close[2..tag.len() + 2], tag.as_bytes())
                    {
                        let text = &s[from..end];
                        on(
                            &path[..=depth],
                            Some(if refs {
                                unescape(text)?
                            } else {
                                Cow::Borrowed(text)
                            }),
                        );
                        path[depth] = "";
                        i = end + tag.len() + 3;
                        continue;
                    }
                }
                names[depth] = tag;
                if empty {
                    on(&path[..=depth], Some(Cow::Borrowed("")));
                    path[depth] = "";
                } else {
                    held[depth] = false;
                    depth += 1;
                }
            }
            // Comments, CDATA, processing instructions, a DTD: quick-xml's business.
            _ => return None,
        }
        i = gt + 1;
    }
}

/// The first `c` in `hay`. In a list document the next `<` or `>` is a few dozen bytes away,
/// where memchr's setup costs more than it saves: the first 64 bytes are searched a word (8
/// bytes) at a time, and a long text (a long key) goes to memchr after them. (With the
/// byte loop a 1,000-key page parsed in 294 µs instead of 354; with words, see
/// docs/benchmarks.md.)
#[inline]
fn find(c: u8, hay: &[u8]) -> Option<usize> {
    const NEAR: usize = 64;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(c);
    let near = &hay[..hay.len().min(NEAR)];
    let mut words = near.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        // A byte of `x` is zero where `w` holds `c`; the lowest byte flagged in `zero` is
        // the first such byte (a borrow can only flag bytes above a true zero).
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ pattern;
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if let Some(n) = words.remainder().iter().position(|&x| x == c) {
        return Some(at + n);
    }
    if hay.len() > NEAR {
        return memchr::memchr(c, &hay[NEAR..]).map(|n| n + NEAR);
    }
    None
}

/// The first `a` or `b` in `hay`: [`find`] for two bytes at once.
#[inline]
fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    const NEAR: usize = 64;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let (pa, pb) = (ONES * u64::from(a), ONES * u64::from(b));
    let near = &hay[..hay.len().min(NEAR)];
    let mut words = near.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let (x, y) = (w ^ pa, w ^ pb);
        let zero = (x.wrapping_sub(ONES) & !x | y.wrapping_sub(ONES) & !y) & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if let Some(n) = words.remainder().iter().position(|&x| x == a || x == b) {
        return Some(at + n);
    }
    if hay.len() > NEAR {
        return memchr::memchr2(a, b, &hay[NEAR..]).map(|n| n + NEAR);
    }
    None
}

/// `a == b` for element names, a few bytes long: a loop the compiler keeps inline, where
/// `==` calls memcmp.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Text with the predefined and numeric references resolved; `None` for anything else.
fn unescape(text: &str) -> Option<Cow<'_, str>> {
    if find(b'&', text.as_bytes()).is_none() {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';')? + amp;
        let name = &rest[amp + 1..semi];
        match name {
            "quot" => out.push('"'),
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "apos" => out.push('\''),
            _ => {
                let (digits, radix) = match name.strip_prefix("#x") {
                    Some(hex) => (hex, 16),
                    None => (name.strip_prefix('#')?, 10),
                };
                if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                    return None;
                }
                let n = u32::from_str_radix(digits, radix).ok()?;
                // quick-xml refuses the NUL character reference; so does the scanner.
                out.push(char::from_u32(n).filter(|c| *c != '\0')?);
            }
        }
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// [`read_list`] on quick-xml's borrowing reader: any well-formed document, and the errors.
fn read_list_slow<'a>(
    body: &'a [u8],
    root: &str,
    mut on: impl FnMut(&[&'static str], Option<Cow<'a, str>>),
) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    // Below the root: the open elements, and whether each has held an element.
    let mut path: Vec<&'static str> = Vec::with_capacity(4);
    let mut parent: Vec<bool> = Vec::with_capacity(4);
    let mut text: Option<Cow<'a, str>> = None;
    let mut in_root = false;
    let push = |text: &mut Option<Cow<'a, str>>, s: Cow<'a, str>| match text {
        None => *text = Some(s),
        Some(t) => t.to_mut().push_str(&s),
    };
    let malformed = |e: &dyn std::fmt::Display| format!("malformed XML: {e}");
    loop {
        let ev = reader.read_event().map_err(|e| malformed(&e))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) if !in_root => {
                if e.name().as_ref() != root.as_bytes() {
                    return Err(format!(
                        "expected a <{root}> document, found <{}>",
                        String::from_utf8_lossy(e.name().as_ref())
                    ));
                }
                if matches!(ev, Event::Empty(_)) {
                    return Ok(());
                }
                in_root = true;
            }
            Event::Start(e) => {
                if let Some(p) = parent.last_mut() {
                    *p = true;
                }
                if path.len() >= 8 {
                    return Err("list document nested too deeply".into());
                }
                path.push(list_name(e.name().as_ref()));
                parent.push(false);
                text = None;
            }
            Event::Empty(e) => {
                if let Some(p) = parent.last_mut() {
                    *p = true;
                }
                path.push(list_name(e.name().as_ref()));
                on(&path, Some(Cow::Borrowed("")));
                path.pop();
            }
            Event::End(_) => {
                let Some(held_elements) = parent.pop() else {
                    // The root's end: anything after it is ignored.
                    return Ok(());
                };
                if held_elements {
                    if path.len() == 1 {
                        on(&path, None);
                    }
                } else {
                    on(&path, Some(text.take().unwrap_or(Cow::Borrowed(""))));
                }
                text = None;
                path.pop();
            }
            Event::Text(t) if !path.is_empty() => {
                let s = match t.into_inner() {
                    Cow::Borrowed(b) => {
                        Cow::Borrowed(std::str::from_utf8(b).map_err(|e| malformed(&e))?)
                    }
                    Cow::Owned(b) => Cow::Owned(String::from_utf8(b).map_err(|e| malformed(&e))?),
                };
                push(&mut text, s);
            }
            Event::CData(t) if !path.is_empty() => {
                let s = std::str::from_utf8(&t).map_err(|e| malformed(&e))?;
                push(&mut text, Cow::Owned(s.to_owned()));
            }
            Event::GeneralRef(r) if !path.is_empty() => {
                let resolved = match r.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = std::str::from_utf8(&r).map_err(|e| malformed(&e))?;
                        quick_xml::escape::resolve_predefined_entity(name)
                            .ok_or_else(|| format!("malformed XML: unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                push(&mut text, Cow::Owned(resolved));
            }
            Event::DocType(_) => return Err("a document type declaration is not allowed".into()),
            Event::Eof => {
                return Err(if in_root {
                    "malformed XML: the document ends inside an element".into()
                } else {
                    format!("expected a <{root}> document, found none")
                });
            }
            // Declarations, comments, processing instructions, whitespace around elements.
            _ => {}
        }
    }
}

/// `name` as a static string when it is an element of the list documents, else `""`.
#[inline]
fn list_name(name: &[u8]) -> &'static str {
    // A match on the bytes compiles to a switch on length then a compare: one lookup per
    // element, which a linear scan made the most expensive step of a page.
    match name {
        b"Contents" => "Contents",
        b"CommonPrefixes" => "CommonPrefixes",
        b"Upload" => "Upload",
        b"Owner" => "Owner",
        b"Key" => "Key",
        b"LastModified" => "LastModified",
        b"ETag" => "ETag",
        b"Type" => "Type",
        b"Size" => "Size",
        b"StorageClass" => "StorageClass",
        b"RestoreInfo" => "RestoreInfo",
        b"TransitionTime" => "TransitionTime",
        b"ID" => "ID",
        b"DisplayName" => "DisplayName",
        b"Prefix" => "Prefix",
        b"Name" => "Name",
        b"StartAfter" => "StartAfter",
        b"ContinuationToken" => "ContinuationToken",
        b"NextContinuationToken" => "NextContinuationToken",
        b"MaxKeys" => "MaxKeys",
        b"Delimiter" => "Delimiter",
        b"EncodingType" => "EncodingType",
        b"IsTruncated" => "IsTruncated",
        b"KeyCount" => "KeyCount",
        b"Bucket" => "Bucket",
        b"KeyMarker" => "KeyMarker",
        b"UploadIdMarker" => "UploadIdMarker",
        b"NextKeyMarker" => "NextKeyMarker",
        b"NextUploadIdMarker" => "NextUploadIdMarker",
        b"MaxUploads" => "MaxUploads",
        b"UploadId" => "UploadId",
        b"Initiated" => "Initiated",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One callback of [`read_list`], recorded by the scanner.
    #[derive(Debug, PartialEq, Eq)]
    struct Event<'a> {
        path: [&'static str; MAX_DEPTH],
        depth: u8,
        text: Option<Cow<'a, str>>,
    }

    fn record(out: &mut Vec<Event<'static>>, p: &[&'static str], t: Option<Cow<'_, str>>) {
        let mut path = [""; MAX_DEPTH];
        path[..p.len().min(MAX_DEPTH)].copy_from_slice(&p[..p.len().min(MAX_DEPTH)]);
        out.push(Event {
            path,
            depth: p.len() as u8,
            text: t.map(|t| Cow::Owned(t.into_owned())),
        });
    }

    /// The events of quick-xml's reader.
    fn slow(body: &[u8], root: &str) -> Result<Vec<Event<'static>>, String> {
        let mut out = Vec::new();
        read_list_slow(body, root, |p, t| record(&mut out, p, t))?;
        Ok(out)
    }

    /// The scanner's events, when it takes the document.
    fn fast(body: &[u8], root: &str) -> Option<Vec<Event<'static>>> {
        let mut out = Vec::new();
        scan(body, root, |p, t| record(&mut out, p, t))?;
        Some(out)
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-zA-Z0-9 %/._+-]{0,6}",
                // Past the 64 bytes `find` loops over before it hands over to memchr.
                "[a-zA-Z0-9]{50,150}",
                Just("&quot;".to_owned()),
                Just("&amp;".to_owned()),
                Just("&#20013;".to_owned()),
                Just("&#x4E2D;".to_owned()),
                Just("中文".to_owned()),
                Just("\n  ".to_owned()),
            ],
            0..5,
        )
        .prop_map(|v| v.concat())
    }

    /// A page as OSS (or the emulator) would write it, with varied spacing.
    fn page() -> impl Strategy<Value = String> {
        let leaf = |name: &'static str| text().prop_map(move |t| format!("<{name}>{t}</{name}>"));
        let contents = (
            leaf("Key"),
            leaf("ETag"),
            leaf("Size"),
            prop::option::of((leaf("ID"), leaf("DisplayName"))),
            any::<bool>(),
        )
            .prop_map(|(k, e, s, owner, empty)| {
                let mut c = format!("<Contents>\n  {k}{e}{s}");
                if let Some((id, n)) = owner {
                    c.push_str(&format!("<Owner>{id} {n}</Owner>"));
                }
                if empty {
                    c.push_str("<StorageClass/>");
                }
                c.push_str("</Contents>");
                c
            });
        (
            any::<bool>(),
            leaf("Name"),
            prop::collection::vec(contents, 0..6),
            prop::collection::vec(leaf("Prefix"), 0..3),
            leaf("NextContinuationToken"),
        )
            .prop_map(|(decl, name, contents, prefixes, token)| {
                let mut s = String::new();
                if decl {
                    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                }
                s.push_str("<ListBucketResult>");
                s.push_str(&name);
                s.push_str("<IsTruncated>true</IsTruncated>");
                s.push_str(&token);
                for c in contents {
                    s.push_str(&c);
                }
                for p in prefixes {
                    s.push_str(&format!("<CommonPrefixes>{p}</CommonPrefixes>"));
                }
                s.push_str("<KeyCount>3</KeyCount></ListBucketResult>\n");
                s
            })
    }

    const BITS: &[&str] = &[
        "<?xml version=\"1.0\"?>",
        "<ListBucketResult>",
        "</ListBucketResult>",
        "<Contents>",
        "</Contents>",
        "<Key>",
        "</Key>",
        "<Owner>",
        "</Owner>",
        "<ID>",
        "</ID>",
        "<Key/>",
        "<a b=\"c\">",
        "</a>",
        "<!-- c -->",
        "<![CDATA[x]]>",
        "<!DOCTYPE x>",
        "&amp;",
        "&bad;",
        "&#0;",
        "&#x41;",
        "&#+5;",
        "<",
        ">",
        "text",
        " ",
        "\n",
        "中",
        "<Prefix>",
        "</Prefix>",
        "<CommonPrefixes>",
        "</CommonPrefixes>",
        "<x:y>",
        "</x:y>",
        "<?pi?>",
        "\r\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        /// `find` is memchr, on both sides of its 64-byte loop.
        #[test]
        fn find_is_memchr(
            plain in 0usize..200,
            hit in any::<bool>(),
            tail in prop::collection::vec(prop::sample::select(b"ab<>&".to_vec()), 0..100),
            c in prop::sample::select(b"<>&".to_vec()),
        ) {
            let mut hay = vec![b'a'; plain];
            if hit {
                hay.push(c);
            }
            hay.extend(tail);
            prop_assert_eq!(find(c, &hay), memchr::memchr(c, &hay));
        }

        /// `find2` is memchr2, on both sides of its 64-byte loop.
        #[test]
        fn find2_is_memchr2(
            plain in 0usize..200,
            hit in prop::option::of(prop::sample::select(b"<&".to_vec())),
            tail in prop::collection::vec(prop::sample::select(b"ab<>&".to_vec()), 0..100),
        ) {
            let mut hay = vec![b'a'; plain];
            hay.extend(hit);
            hay.extend(tail);
            prop_assert_eq!(find2(b'<', b'&', &hay), memchr::memchr2(b'<', b'&', &hay));
        }

        /// Every document in OSS's shape takes the fast path and reads exactly as quick-xml
        /// reads it.
        #[test]
        fn the_scanner_reads_oss_pages_as_quick_xml_does(doc in page()) {
            let fast = fast(doc.as_bytes(), "ListBucketResult");
            prop_assert!(fast.is_some(), "scanner refused {doc:?}");
            prop_assert_eq!(fast.unwrap(), slow(doc.as_bytes(), "ListBucketResult").unwrap());
        }

        /// On arbitrary markup, and on OSS pages with markup inserted, cut or swapped in, the
        /// scanner either steps aside or agrees with quick-xml.
        #[test]
        fn the_scanner_never_disagrees_with_quick_xml(
            bits in prop::collection::vec(prop::sample::select(BITS), 0..40),
            doc in page(),
            edits in prop::collection::vec((0.0f64..1.0, prop::sample::select(BITS), 0u8..3), 1..4),
        ) {
            let soup = bits.concat();
            let mut mutated = doc.into_bytes();
            for (at, bit, how) in edits {
                let mut i = ((mutated.len() as f64) * at) as usize;
                while i < mutated.len() && (mutated[i] & 0xC0) == 0x80 {
                    i += 1; // stay on a character boundary
                }
                match how {
                    0 => { mutated.splice(i..i, bit.bytes()); }
                    1 => { mutated.truncate(i); }
                    _ => {
                        let end = (i + bit.len()).min(mutated.len());
                        let mut j = end;
                        while j < mutated.len() && (mutated[j] & 0xC0) == 0x80 {
                            j += 1;
                        }
                        mutated.splice(i..j, bit.bytes());
                    }
                }
            }
            for d in [soup.as_bytes(), &mutated[..]] {
                if let Some(fast) = fast(d, "ListBucketResult") {
                    let slow = slow(d, "ListBucketResult");
                    prop_assert_eq!(Ok(fast), slow, "{:?}", String::from_utf8_lossy(d));
                }
            }
        }
    }

    #[test]
    fn entities_and_shapes() {
        let doc = "<ListBucketResult><Contents><ETag>&quot;AB&quot;</ETag><Owner><ID>1</ID></Owner></Contents><Prefix/></ListBucketResult>";
        let f = fast(doc.as_bytes(), "ListBucketResult").unwrap();
        assert_eq!(f, slow(doc.as_bytes(), "ListBucketResult").unwrap());
        assert_eq!(f[0].text.as_deref(), Some("\"AB\""));
        assert_eq!(f[1].path, ["Contents", "Owner", "ID"]);
        assert_eq!(f[2].text, None); // the end of <Contents>
        // A leaf's text with references, and one followed by an element rather than its end.
        let doc = "<ListBucketResult><Key>a&amp;b&#x4E2D;</Key><Contents><Key>k</Key>\n</Contents></ListBucketResult>";
        let f = fast(doc.as_bytes(), "ListBucketResult").unwrap();
        assert_eq!(f, slow(doc.as_bytes(), "ListBucketResult").unwrap());
        assert_eq!(f[0].text.as_deref(), Some("a&b中"));
        assert_eq!(f[1].text.as_deref(), Some("k"));
        // Not OSS's shape: the scanner steps aside.
        for doc in [
            "<ListBucketResult xmlns=\"x\"></ListBucketResult>",
            "<ListBucketResult><!-- c --></ListBucketResult>",
            "<ListBucketResult><Key><![CDATA[a]]></Key></ListBucketResult>",
            "<ListBucketResult><Key>&bogus;</Key></ListBucketResult>",
            "<ListBucketResult><A><B><C><D>x</D></C></B></A></ListBucketResult>",
            // A leaf's end tag is checked where its text stops.
            "<ListBucketResult><Key>a</Kex></ListBucketResult>",
            "<ListBucketResult><Key>a</Keys></ListBucketResult>",
            "<ListBucketResult><Key>a&amp;b</Kex></ListBucketResult>",
            "<ListBucketResult><Contents>x<Key>a</Key></Contents></ListBucketResult>",
        ] {
            assert!(fast(doc.as_bytes(), "ListBucketResult").is_none(), "{doc}");
        }
    }
}
