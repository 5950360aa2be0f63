// A small Markdown renderer for annotation descriptions. It builds DOM nodes
// directly and never parses the input as HTML, so any tag in the text shows
// as text. Supported: paragraphs, headings, bullet and numbered lists, fenced
// code blocks, *emphasis*, **strong**, `code`, [links](https://...) and bare
// http(s) URLs. Links keep only the http and https schemes; any other link
// shows as its text.
import { h } from './dom.js';

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*```/;

// Returns a safe http(s) URL string for `text`, or null.
export function safeUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

function linkNode(href, children) {
  return h('a', { href, rel: 'noopener noreferrer nofollow', target: '_blank' }, ...children);
}

// Finds the closing `marker` after `from`, not preceded by a backslash.
function findClosing(text, marker, from) {
  let index = text.indexOf(marker, from);
  while (index > 0 && text[index - 1] === '\\') index = text.indexOf(marker, index + 1);
  return index;
}

// Parses inline markup into an array of nodes and strings.
export function renderInline(text) {
  const out = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push(plain);
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);

    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push(h('code', { text: text.slice(i + 1, end) }));
        i = end + 1;
        continue;
      }
    }
    if (rest.startsWith('**') || rest.startsWith('__')) {
      const marker = rest.slice(0, 2);
      const end = findClosing(text, marker, i + 2);
      if (end > i + 2 && text[i + 2] !== ' ') {
        flush();
        out.push(h('strong', {}, ...renderInline(text.slice(i + 2, end))));
        i = end + 2;
        continue;
      }
    }
    if ((c === '*' || c === '_') && text[i + 1] && text[i + 1] !== ' ' && text[i + 1] !== c) {
      // An underscore inside a word (snake_case) is not emphasis.
      const wordBefore = c === '_' && i > 0 && /\w/.test(text[i - 1]);
      const end = findClosing(text, c, i + 1);
      const wordAfter = c === '_' && end > 0 && /\w/.test(text[end + 1] || '');
      if (!wordBefore && end > i + 1 && text[end - 1] !== ' ' && !wordAfter) {
        flush();
        out.push(h('em', {}, ...renderInline(text.slice(i + 1, end))));
        i = end + 1;
        continue;
      }
    }
    if (c === '[') {
      const match = /^\[([^\]]+)\]\(([^()\s]+)\)/.exec(rest);
      if (match) {
        flush();
        const href = safeUrl(match[2]);
        const label = renderInline(match[1]);
        out.push(href ? linkNode(href, label) : h('span', {}, ...label));
        i += match[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'H') && (i === 0 || /[\s(]/.test(text[i - 1]))) {
      const match = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/i.exec(rest);
      const href = match ? safeUrl(match[0]) : null;
      if (href) {
        flush();
        out.push(linkNode(href, [match[0]]));
        i += match[0].length;
        continue;
      }
    }
    plain += c;
    i += 1;
  }
  flush();
  return out;
}

// Renders Markdown `source` into a new <div class="markdown">.
export function renderMarkdown(source) {
  const root = h('div', { class: 'markdown' });
  const lines = String(source || '').replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null;
  let listItem = null;

  const closeParagraph = () => {
    if (paragraph.length) root.appendChild(h('p', {}, ...renderInline(paragraph.join(' '))));
    paragraph = [];
  };
  const closeList = () => {
    list = null;
    listItem = null;
  };

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];

    if (FENCE.test(line)) {
      closeParagraph();
      closeList();
      const code = [];
      index += 1;
      while (index < lines.length && !FENCE.test(lines[index])) {
        code.push(lines[index]);
        index += 1;
      }
      root.appendChild(h('pre', {}, h('code', { text: code.join('\n') })));
      continue;
    }
    if (!line.trim()) {
      closeParagraph();
      closeList();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      closeParagraph();
      closeList();
      const level = Math.min(6, heading[1].length + 2);
      root.appendChild(h(`h${level}`, { class: 'md-heading' }, ...renderInline(heading[2])));
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      closeParagraph();
      const tag = bullet ? 'ul' : 'ol';
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = h(tag);
        if (numbered && numbered[1] !== '1') list.setAttribute('start', String(Number(numbered[1])));
        root.appendChild(list);
      }
      listItem = h('li', {}, ...renderInline(bullet ? bullet[1] : numbered[2]));
      list.appendChild(listItem);
      continue;
    }
    if (listItem && /^\s+/.test(line)) {
      // An indented line continues the current list item.
      listItem.append(' ', ...renderInline(line.trim()));
      continue;
    }
    closeList();
    paragraph.push(line.trim());
  }
  closeParagraph();
  return root;
}

// Returns the text of `source` without Markdown syntax, shortened to
// `limit` characters, for one-line excerpts in lists. Code blocks are left
// out, headings and list items become sentences joined by spaces, and
// emphasis, code and link markup keep only their text. Snake_case words
// keep their underscores.
export function plainExcerpt(source, limit = 140) {
  const lines = String(source || '').replace(/\r\n?/g, '\n')
    .replace(/^\s*```[^\n]*\n[\s\S]*?(^\s*```\s*$|(?![\s\S]))/gm, '\n')
    .split('\n');
  const parts = [];
  // True after a blank line or a heading, and before a list item: the text
  // before the break ends a sentence.
  let sentenceBreak = false;
  for (const raw of lines) {
    let line = raw.trim();
    if (!line) {
      sentenceBreak = true;
      continue;
    }
    const heading = /^#{1,6}\s+/.test(line);
    const listItem = /^([-*+]|\d{1,9}[.)])\s+/.test(line);
    line = line.replace(/^(#{1,6}|>)\s+/, '').replace(/^([-*+]|\d{1,9}[.)])\s+/, '');
    line = line
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/`([^`]*)`/g, '$1')
      .replace(/(\*\*|__)(?=\S)(.+?)\1/g, '$2')
      .replace(/(^|[^\w*])\*(?=\S)([^*]+?)\*/g, '$1$2')
      .replace(/(^|[^\w])_(?=\S)([^_]+?)_(?!\w)/g, '$1$2')
      .replace(/\\([\\`*_[\]()#+\-.!])/g, '$1');
    if (!line) continue;
    // A new sentence starts with a capital, except for words like "iPhone".
    if (parts.length && (sentenceBreak || listItem) && /^[a-z][a-z\s]/.test(line)) line = line[0].toUpperCase() + line.slice(1);
    if (parts.length && (sentenceBreak || listItem) && !/[.!?:;,]$/.test(parts[parts.length - 1])) {
      parts[parts.length - 1] += '.';
    }
    parts.push(line);
    sentenceBreak = heading;
  }
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
