//! XML read into a tree of elements, for the readers of CycloneDX XML, JVN's
//! VULDEF and JVNRSS, and CycloneDX VEX. External entities are never
//! fetched and a document type declaration is ignored: only XML's
//! predefined entities and character references are resolved. Depth and
//! the count of elements are held to the reader's budget.

use crate::error::{InputError, Location};
use quick_xml::events::Event;

/// Deeper nesting than this is refused: a CycloneDX tree of real
/// assemblies is a few dozen levels deep, a hostile one a million.
const MAX_DEPTH: usize = 512;

/// One element, its text and children; names without their prefix.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
    /// Byte offset of its `<`.
    pub(crate) offset: usize,
}

impl Element {
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The trimmed text of a child, when it has some.
    pub(crate) fn text_of(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|child| child.text.trim())
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    }
}

pub(crate) struct Source<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
    /// Byte offsets where lines begin: every component's location is asked
    /// for, and counting lines from the start each time made a 3,000-component
    /// BOM take 0.7 s.
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(newline_offsets(text).map(|at| at + 1));
        Source {
            file,
            text,
            line_starts,
        }
    }

    pub(crate) fn at(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |part| part.chars().count())
            + 1;
        Location::Text {
            file: self.file.to_owned(),
            line,
            column,
        }
    }

    pub(crate) fn error(&self, offset: usize, found: impl Into<String>) -> InputError {
        InputError::new(self.at(offset), "(xml)", "well-formed XML", found)
    }
}

fn newline_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, byte)| *byte == b'\n')
        .map(|(at, _)| at)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// A file's bytes as the text of an XML document: refused, with the file,
/// when they are not UTF-8.
pub(crate) fn utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Box<InputError>> {
    std::str::from_utf8(bytes).map_err(|error| {
        Box::new(InputError::new(
            Location::File {
                file: name.to_owned(),
            },
            "(file)",
            "UTF-8 XML",
            error.to_string(),
        ))
    })
}

impl Source<'_> {
    /// The document's elements; refused, with line and column, when it is
    /// not well-formed.
    pub(crate) fn elements(&self) -> Result<Element, Box<InputError>> {
        parse(self).map_err(|(offset, found)| Box::new(self.error(offset, found)))
    }
}

/// Parses the document into elements; an error is its byte offset and what
/// was found there.
pub(crate) fn parse(source: &Source<'_>) -> Result<Element, (usize, String)> {
    let mut reader = quick_xml::Reader::from_str(source.text);
    let mut stack: Vec<Element> = vec![Element::default()];
    // Elements (and attributes) built, against what a document of this
    // size may hold within the reader's budget.
    let cap = crate::budget::Budget::current().xml_elements(source.text.len());
    let mut built = 0usize;
    let position = |reader: &quick_xml::Reader<&[u8]>| {
        usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
    };
    loop {
        let offset = position(&reader);
        let event = reader.read_event().map_err(|error| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            (at, error.to_string())
        })?;
        let mut open = |start: &quick_xml::events::BytesStart<'_>| {
            built += 1 + start.attributes().count();
            if built > cap {
                return Err((
                    offset,
                    crate::budget::exceeded("elements and attributes", built, cap),
                ));
            }
            let attributes = start
                .attributes()
                .map(|attribute| {
                    let attribute = attribute.map_err(|error| (offset, error.to_string()))?;
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|error| (offset, error.to_string()))?;
                    Ok((attribute.key.as_ref().to_owned(), value.into_owned()))
                })
                .collect::<Result<Vec<_>, (usize, String)>>()?;
            Ok::<_, (usize, String)>(Element {
                name: local(start.name().as_ref()).to_owned(),
                attributes,
                offset,
                ..Element::default()
            })
        };
        let text = |stack: &mut Vec<Element>, content: &str| {
            if let Some(top) = stack.last_mut() {
                top.text.push_str(content);
            }
        };
        match event {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err((
                        offset,
                        format!("elements nested more than {MAX_DEPTH} deep"),
                    ));
                }
                stack.push(open(&start)?);
            }
            Event::Empty(start) => {
                let element = open(&start)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(element);
                }
            }
            Event::End(_) => match (stack.pop(), stack.last_mut()) {
                (Some(done), Some(parent)) => parent.children.push(done),
                _ => return Err((offset, "an end tag without a start".to_owned())),
            },
            Event::Text(content) => text(&mut stack, &content.xml10_content()),
            Event::CData(content) => text(&mut stack, &content.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = reference
                    .resolve_char_ref()
                    .map_err(|error| (offset, error.to_string()))?;
                match resolved {
                    Some(character) => text(&mut stack, character.encode_utf8(&mut [0; 4])),
                    None => {
                        let name = reference.xml10_content();
                        let replacement = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| (offset, format!("unknown entity &{name};")))?;
                        text(&mut stack, replacement);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        let open: Vec<&str> = stack.iter().skip(1).map(|e| e.name.as_str()).collect();
        return Err((
            source.text.len(),
            format!("the document ends inside <{}>", open.join("><")),
        ));
    }
    let Some(mut document) = stack.pop() else {
        return Err((0, "no root element".to_owned()));
    };
    match document.children.len() {
        1 => Ok(document.children.remove(0)),
        0 => Err((0, "no root element".to_owned())),
        _ => Err((
            document.children[1].offset,
            "a second root element".to_owned(),
        )),
    }
}
