//! A lesson's Markdown as DOM nodes, built element by element: nothing in a
//! lesson is ever parsed as HTML (raw HTML shows as text), links go only to
//! http(s), and images only from this server's media (`/media/…`), so a
//! lesson cannot run script nor tell a third party who reads it.

use leptos::html;
use leptos::prelude::*;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag};

enum Node {
    Root,
    Paragraph,
    Heading(HeadingLevel),
    Quote,
    List(Option<u64>),
    Item,
    Emphasis,
    Strong,
    Link(String),
    Image(String),
    /// Anything else (tables, code blocks…): its text, unstyled.
    Plain,
}

fn node(tag: Tag<'_>) -> Node {
    match tag {
        Tag::Paragraph => Node::Paragraph,
        Tag::Heading { level, .. } => Node::Heading(level),
        Tag::BlockQuote(_) => Node::Quote,
        Tag::List(start) => Node::List(start),
        Tag::Item => Node::Item,
        Tag::Emphasis => Node::Emphasis,
        Tag::Strong => Node::Strong,
        Tag::Link { dest_url, .. } => Node::Link(dest_url.into_string()),
        Tag::Image { dest_url, .. } => Node::Image(dest_url.into_string()),
        _ => Node::Plain,
    }
}

fn wrap(n: Node, children: Vec<AnyView>) -> AnyView {
    match n {
        Node::Root | Node::Plain => children.into_any(),
        Node::Paragraph => html::p().child(children).into_any(),
        // The page's title is h2: a lesson's headings sit below it.
        Node::Heading(HeadingLevel::H1 | HeadingLevel::H2) => html::h3().child(children).into_any(),
        Node::Heading(HeadingLevel::H3) => html::h4().child(children).into_any(),
        Node::Heading(_) => html::h5().child(children).into_any(),
        Node::Quote => html::blockquote().child(children).into_any(),
        Node::List(None) => html::ul().child(children).into_any(),
        Node::List(Some(start)) => html::ol()
            .attr("start", start.to_string())
            .child(children)
            .into_any(),
        Node::Item => html::li().child(children).into_any(),
        Node::Emphasis => html::em().child(children).into_any(),
        Node::Strong => html::strong().child(children).into_any(),
        Node::Link(url) if url.starts_with("https://") || url.starts_with("http://") => html::a()
            .attr("href", url)
            .attr("rel", "noopener noreferrer")
            .attr("target", "_blank")
            .child(children)
            .into_any(),
        Node::Link(_) => children.into_any(),
        // The alt text is the image's children.
        Node::Image(src) if src.starts_with("/media/") => html::figure()
            .child((
                html::img()
                    .attr("src", src)
                    .attr("alt", "")
                    .attr("loading", "lazy"),
                html::figcaption().child(children),
            ))
            .into_any(),
        Node::Image(_) => html::span()
            .attr("class", "image-alt")
            .child(children)
            .into_any(),
    }
}

/// Renders `source` (the lesson subset of Markdown).
pub fn render(source: &str) -> AnyView {
    let mut stack: Vec<(Node, Vec<AnyView>)> = vec![(Node::Root, Vec::new())];
    let push = |stack: &mut Vec<(Node, Vec<AnyView>)>, v: AnyView| {
        if let Some((_, children)) = stack.last_mut() {
            children.push(v);
        }
    };
    for e in Parser::new(source) {
        match e {
            Event::Start(tag) => stack.push((node(tag), Vec::new())),
            Event::End(_) if stack.len() > 1 => {
                if let Some((n, children)) = stack.pop() {
                    let v = wrap(n, children);
                    push(&mut stack, v);
                }
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push(&mut stack, t.into_string().into_any())
            }
            Event::SoftBreak => push(&mut stack, " ".into_any()),
            Event::HardBreak => push(&mut stack, html::br().into_any()),
            Event::Rule => push(&mut stack, html::hr().into_any()),
            _ => {}
        }
    }
    while stack.len() > 1 {
        if let Some((n, children)) = stack.pop() {
            let v = wrap(n, children);
            push(&mut stack, v);
        }
    }
    stack
        .pop()
        .map_or_else(|| ().into_any(), |(_, children)| children.into_any())
}

/// A lesson's text.
#[component]
pub fn Markdown(#[prop(into)] source: Signal<String>) -> impl IntoView {
    // The study pages' styles stay out of the first load (public/study.css).
    view! {
        <link rel="stylesheet" href="/study.css" />
        <div class="lesson-text">{move || source.with(|s| render(s))}</div>
    }
}
