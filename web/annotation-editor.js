// Viewing and editing the annotation of a bucket, folder or file:
// a Markdown description with a preview, tags and owners.
import { h, replace, field, notice, uniqueId } from './dom.js';
import { api, sourceUrl, query } from './api.js';
import { hasRole } from './session.js';
import { renderMarkdown } from './markdown.js';
import { chipList, button } from './components.js';
import { timeElement } from './format.js';

// Splits "a, b,c" into trimmed, non-empty, unique values in order.
export function splitList(text) {
  const seen = new Set();
  const values = [];
  for (const part of String(text).split(',')) {
    const value = part.trim();
    if (value && !seen.has(value)) {
      seen.add(value);
      values.push(value);
    }
  }
  return values;
}

function annotationView(annotation, kind) {
  if (!annotation || (!annotation.description && !annotation.tags?.length && !annotation.owners?.length)) {
    // Only those who may annotate are invited to.
    const invitation = hasRole('steward') ? ' Add a description, tags and owners so others can find and trust it.' : '';
    return h('div', { class: 'annotation-view empty' },
      h('p', { class: 'muted', text: `No annotation on this ${kind} yet.${invitation}` }));
  }
  return h('div', { class: 'annotation-view' },
    annotation.description ? renderMarkdown(annotation.description) : h('p', { class: 'muted', text: 'No description.' }),
    annotation.tags?.length ? h('div', { class: 'labelled' }, h('span', { class: 'label', text: 'Tags' }), chipList(annotation.tags, 'tag')) : null,
    annotation.owners?.length ? h('div', { class: 'labelled' }, h('span', { class: 'label', text: 'Owners' }), chipList(annotation.owners, 'owner')) : null,
    annotation.updated_at || annotation.updated_by
      ? h('p', { class: 'muted small edited-by' }, `Edited by ${annotation.updated_by || 'unknown'} on `, timeElement(annotation.updated_at))
      : null);
}

// The annotation card. `onSaved(item)` receives the item answer after a save.
export function annotationCard({ source, path, kind, annotation, startEditing = false, onSaved = null }) {
  const card = h('section', { class: 'card annotation', 'aria-labelledby': 'annotation-heading' });
  let current = annotation;

  const showView = (message = null) => {
    // Stewards and admins annotate; viewers only read.
    const edit = hasRole('steward')
      ? button(current ? 'Edit annotation' : 'Add annotation', { kind: 'primary', onClick: () => showEditor() })
      : null;
    replace(card,
      h('div', { class: 'card-title-row' }, h('h2', { id: 'annotation-heading', text: 'Annotation' }), edit),
      message,
      annotationView(current, kind));
    return edit;
  };

  const showEditor = () => {
    const descriptionId = uniqueId('description');
    const textarea = h('textarea', { id: descriptionId, rows: 8, class: 'description-input', 'aria-describedby': `${descriptionId}-help` });
    textarea.value = current ? current.description || '' : '';
    const preview = h('div', { class: 'markdown-preview', hidden: true, tabindex: '0', 'aria-label': 'Description preview' });
    const writeTab = h('button', { type: 'button', class: 'segment', 'aria-pressed': 'true', text: 'Write' });
    const previewTab = h('button', { type: 'button', class: 'segment', 'aria-pressed': 'false', text: 'Preview' });
    const setMode = (previewing) => {
      writeTab.setAttribute('aria-pressed', String(!previewing));
      previewTab.setAttribute('aria-pressed', String(previewing));
      textarea.hidden = previewing;
      preview.hidden = !previewing;
      if (previewing) {
        replace(preview, textarea.value.trim() ? renderMarkdown(textarea.value) : h('p', { class: 'muted', text: 'Nothing to preview.' }));
      }
    };
    writeTab.addEventListener('click', () => { setMode(false); textarea.focus(); });
    previewTab.addEventListener('click', () => setMode(true));

    const tags = field('Tags', h('input', { type: 'text', value: current ? (current.tags || []).join(', ') : '', autocomplete: 'off' }),
      'Separate with commas, such as: raw, pii, daily.');
    const owners = field('Owners', h('input', { type: 'text', value: current ? (current.owners || []).join(', ') : '', autocomplete: 'off' }),
      'People or teams, separated with commas.');
    const status = h('div', { 'aria-live': 'polite' });
    const save = button('Save annotation', { kind: 'primary', type: 'submit' });
    const cancel = button('Cancel', { onClick: () => showView().focus() });

    const form = h('form', { class: 'form annotation-form', novalidate: true },
      h('div', { class: 'field' },
        h('div', { class: 'label-row' },
          h('label', { for: descriptionId, text: 'Description' }),
          h('div', { class: 'segmented', role: 'group', 'aria-label': 'Description mode' }, writeTab, previewTab)),
        textarea, preview,
        h('p', { class: 'help', id: `${descriptionId}-help`, text: 'Markdown: blank lines between paragraphs, *emphasis*, **strong**, `code`, lists with - or 1., and [links](https://example.com). Ctrl+Enter saves.' })),
      h('div', { class: 'field-row' }, tags.wrapper, owners.wrapper),
      h('p', { class: 'help', text: 'Your user name is recorded with the edit.' }),
      status,
      h('div', { class: 'button-row' }, save, cancel));

    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        showView().focus();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      status.replaceChildren();
      save.disabled = true;
      try {
        const item = await api.put(sourceUrl(source, `/annotations${query({ path })}`), {
          description: textarea.value,
          tags: splitList(tags.control.value),
          owners: splitList(owners.control.value),
        });
        current = item.annotation;
        showView(notice('success', 'Annotation saved.')).focus();
        if (onSaved) onSaved(item);
      } catch (error) {
        save.disabled = false;
        replace(status, notice('error', `Not saved: ${error.message}`));
      }
    });

    replace(card, h('h2', { id: 'annotation-heading', text: current ? 'Edit annotation' : 'Add annotation' }), form);
    textarea.focus();
  };

  if (startEditing && hasRole('steward')) showEditor();
  else showView();
  return card;
}
