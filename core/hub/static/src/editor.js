// The rich-text editor: every <textarea data-hub-richtext> becomes a TipTap editor with an
// accessible toolbar. The textarea stays in the form (hidden) and always holds the HTML, so
// the form posts as it would without scripts; the server sanitises whatever arrives.
// Labels come from <template id="hub-richtext-template"> rendered in the reader's language.
import { Editor } from "@tiptap/core";
import { StarterKit } from "@tiptap/starter-kit";
import { Link } from "@tiptap/extension-link";
import { Image } from "@tiptap/extension-image";

// What the editor can represent without losing anything. Text with other elements (tables,
// figures, language changes) stays an HTML textarea instead of being flattened silently.
const KEPT_TAGS = new Set(["P", "BR", "H2", "H3", "H4", "STRONG", "B", "EM", "I", "U", "S",
  "A", "UL", "OL", "LI", "BLOCKQUOTE", "CODE", "PRE", "HR", "IMG"]);
const KEPT_ATTRIBUTES = {
  A: new Set(["href", "rel"]),
  IMG: new Set(["src", "alt", "title", "width", "height"]),
};
const NONE = new Set();
// the sanitiser's MEDIA_PATH (hub/richtext.py): the media library's own addresses
const MEDIA_PATH = /^\/media\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]+(\?[A-Za-z0-9._~%=&-]*)?$/;

let counter = 0;

function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

function part(root, name) {
  return root.querySelector(`[data-part="${name}"]`);
}

function editable(html) {
  const probe = document.createElement("template");
  probe.innerHTML = html; // a template's content is inert: nothing loads or runs
  for (const el of probe.content.querySelectorAll("*")) {
    if (!KEPT_TAGS.has(el.tagName)) return false;
    const kept = KEPT_ATTRIBUTES[el.tagName] || NONE;
    for (const attr of el.attributes) {
      if (!kept.has(attr.name)) return false;
    }
  }
  return true;
}

// Links the sanitiser keeps: http(s), mailto or no scheme at all (relative addresses).
function keptHref(value) {
  // browsers ignore tabs, line breaks and leading spaces in addresses ("java\tscript:")
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value.replace(/[\u0000-\u0020]/g, ""));
  return !scheme || ["http", "https", "mailto"].includes(scheme[1].toLowerCase());
}

// Pasted images from elsewhere would be blocked by the content security policy and dropped
// by the sanitiser: only the media library's stay.
function withoutForeignImages(html) {
  const probe = document.createElement("template");
  probe.innerHTML = html;
  probe.content.querySelectorAll("img").forEach((img) => {
    if (!MEDIA_PATH.test(img.getAttribute("src") || "")) img.remove();
  });
  return probe.innerHTML;
}

// What the link form accepts: an absolute http(s) or mailto address or a path on this site
// (so "www.example.org", which would become a relative link, is refused).
function allowedHref(value) {
  const href = value.trim();
  if (/^(https?:\/\/[^\s/]+|mailto:[^\s]+@[^\s]+)/i.test(href)) return !/\s/.test(href);
  return /^\/(?!\/)/.test(href) && !/[\s\\]/.test(href);
}

function showError(input, error, hint, show) {
  error.hidden = !show;
  input.setAttribute("aria-describedby", show ? `${error.id} ${hint.id}` : hint.id);
  if (show) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  } else {
    input.removeAttribute("aria-invalid");
  }
}

function describe(el, ids) {
  const list = ids.filter(Boolean).join(" ");
  if (list) el.setAttribute("aria-describedby", list);
}

// -- the toolbar: one tab stop, arrow keys move between buttons (WAI-ARIA toolbar pattern) --

function rovingToolbar(toolbar, onEscape) {
  const buttons = () => Array.from(toolbar.querySelectorAll("button"));
  buttons().forEach((b, i) => b.setAttribute("tabindex", i === 0 ? "0" : "-1"));
  const move = (target) => {
    buttons().forEach((b) => b.setAttribute("tabindex", b === target ? "0" : "-1"));
    target.focus();
  };
  toolbar.addEventListener("keydown", (event) => {
    const all = buttons();
    const index = all.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = all[(index + 1) % all.length];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = all[(index - 1 + all.length) % all.length];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      onEscape();
      return;
    }
    if (next) {
      event.preventDefault();
      move(next);
    }
  });
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button) buttons().forEach((b) => b.setAttribute("tabindex", b === button ? "0" : "-1"));
  });
  return { first: () => buttons().find((b) => b.getAttribute("tabindex") === "0") };
}

// -- the image picker: images of the media library, a description is required -------------

function imagePicker(dialog, mediaUrl, lang, insert) {
  const items = part(dialog, "images-items");
  const list = part(dialog, "images-list");
  const loading = part(dialog, "images-loading");
  const empty = part(dialog, "images-empty");
  const failed = part(dialog, "images-failed");
  const more = part(dialog, "images-more");
  const alt = part(dialog, "alt-input");
  const altError = part(dialog, "alt-error");
  const altHint = part(dialog, "alt-hint");
  const chooseError = part(dialog, "images-choose-error");
  const name = uid("hub-richtext-image");
  const title = part(dialog, "images-title");
  title.id = `${name}-title`;
  dialog.setAttribute("aria-labelledby", title.id);
  alt.id = `${name}-alt`;
  part(dialog, "alt-label").htmlFor = alt.id;
  altHint.id = `${name}-alt-hint`;
  altError.id = `${name}-alt-error`;
  chooseError.id = `${name}-choose-error`;
  alt.setAttribute("aria-describedby", altHint.id);
  alt.lang = lang;
  let nextOffset = 0;
  let byId = new Map();
  let altEdited = false;

  // The list is asked for in Czech (see ``load``): ``alt`` and ``title`` are the Czech
  // texts and ``translations.en`` holds the English ones, whatever the browser prefers.
  const english = (item, field) => ((item.translations || {}).en || {})[field] || "";
  const altOf = (item) => (lang === "en" ? english(item, "alt") : item.alt || "");
  const titleOf = (item) =>
    (document.documentElement.lang === "en" && english(item, "title")) || item.title || "";

  // The sanitiser keeps only the media library's own paths: an address of this site given
  // in full is shortened to its path, any other image is not offered.
  function pathOf(url) {
    try {
      const parsed = new URL(url, window.location.href);
      const path = parsed.pathname + parsed.search;
      return parsed.origin === window.location.origin && MEDIA_PATH.test(path) ? path : null;
    } catch (error) {
      return null;
    }
  }

  function add(item, position) {
    const src = item && item.url ? pathOf(item.url) : null;
    if (!src) return;
    byId.set(String(item.id), { ...item, url: src });
    const li = document.createElement("li");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = name;
    radio.value = String(item.id);
    radio.id = `${name}-${item.id}`;
    const label = document.createElement("label");
    label.htmlFor = radio.id;
    const thumb = document.createElement("img");
    thumb.src = item.url;
    thumb.alt = "";
    thumb.loading = "lazy";
    label.append(thumb, document.createTextNode(titleOf(item) || item.alt || `#${position}`));
    li.append(radio, label);
    items.append(li);
    radio.addEventListener("change", () => {
      chooseError.hidden = true;
      if (!altEdited) alt.value = altOf(item);
    });
  }

  async function load() {
    loading.hidden = false;
    failed.hidden = true;
    try {
      // Only public images: a private one would be missing from the page its readers see.
      const url = `${mediaUrl}?kind=image&public=1&limit=50&offset=${nextOffset}`;
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json", "Accept-Language": "cs" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      (page.items || []).forEach((item, i) => add(item, nextOffset + i + 1));
      nextOffset = page.next_offset;
      more.hidden = nextOffset === null || nextOffset === undefined;
      list.hidden = byId.size === 0;
      empty.hidden = byId.size !== 0;
    } catch (error) {
      failed.hidden = false;
    } finally {
      loading.hidden = true;
    }
  }

  more.addEventListener("click", load);
  alt.addEventListener("input", () => {
    altEdited = true;
    if (alt.value.trim()) showError(alt, altError, altHint, false);
  });
  alt.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      part(dialog, "images-insert").click();
    }
  });
  part(dialog, "images-cancel").addEventListener("click", () => dialog.close());
  part(dialog, "images-insert").addEventListener("click", () => {
    const chosen = list.querySelector("input:checked");
    if (!chosen) {
      chooseError.hidden = false;
      const first = list.querySelector("input");
      if (first) {
        first.setAttribute("aria-describedby", chooseError.id);
        first.focus();
      }
      return;
    }
    if (!alt.value.trim()) {
      showError(alt, altError, altHint, true);
      return;
    }
    insert({ src: byId.get(chosen.value).url, alt: alt.value.trim() });
    dialog.close();
  });

  return {
    open() {
      altEdited = false;
      alt.value = "";
      showError(alt, altError, altHint, false);
      chooseError.hidden = true;
      list.querySelectorAll("input:checked").forEach((r) => { r.checked = false; });
      dialog.showModal();
      if (byId.size === 0) {
        nextOffset = 0;
        byId = new Map();
        items.replaceChildren();
        load().then(() => {
          const first = list.querySelector("input");
          if (first && dialog.open) first.focus();
        });
      } else {
        list.querySelector("input").focus();
      }
    },
  };
}

// -- one editor ------------------------------------------------------------------------------

function enhance(textarea, template) {
  const html = textarea.value;
  const label = document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
  if (!editable(html)) {
    const note = part(template.content, "fallback").cloneNode(true);
    note.id = uid("hub-richtext-note");
    textarea.before(note);
    describe(textarea, [note.id, textarea.getAttribute("aria-describedby")]);
    return;
  }
  const root = template.content.querySelector(".hub-richtext").cloneNode(true);
  const dialog = part(template.content, "images").cloneNode(true);
  const toolbar = root.querySelector("[role=toolbar]");
  const lang = textarea.lang || (textarea.closest("[lang]") || document.documentElement).lang || "cs";
  const surface = document.createElement("div");
  surface.className = "hub-richtext__surface";
  root.append(surface);
  textarea.after(root);
  document.body.append(dialog);
  textarea.hidden = true;
  if (label && !label.id) label.id = `${textarea.id}-label`;
  const keys = part(root, "keys");
  keys.id = `${textarea.id}-keys`;

  const attributes = {
    role: "textbox",
    "aria-multiline": "true",
    class: "hub-richtext__content",
    lang,
  };
  if (label) attributes["aria-labelledby"] = label.id;
  const described = [textarea.getAttribute("aria-describedby"), keys.id].filter(Boolean).join(" ");
  attributes["aria-describedby"] = described;
  if (textarea.getAttribute("aria-invalid")) attributes["aria-invalid"] = textarea.getAttribute("aria-invalid");

  const editor = new Editor({
    element: surface,
    injectCSS: false, // an injected <style> breaks the content security policy: editor.css has it
    content: html,
    extensions: [
      StarterKit.configure({ heading: { levels: [2, 3, 4] }, link: false }),
      Link.configure({
        openOnClick: false,
        autolink: true,
        linkOnPaste: true,
        defaultProtocol: "https",
        HTMLAttributes: { target: null, rel: null, class: null },
        isAllowedUri: (url) => keptHref(url),
      }),
      Image.configure({ inline: false, allowBase64: false }),
    ],
    editorProps: { attributes, transformPastedHTML: withoutForeignImages },
  });
  toolbar.setAttribute("aria-controls", editor.view.dom.id || (editor.view.dom.id = uid("hub-richtext-content")));

  const sync = () => {
    textarea.value = editor.isEmpty ? "" : editor.getHTML();
  };
  sync();
  editor.on("update", sync);
  if (textarea.form) textarea.form.addEventListener("submit", sync);
  if (label) label.addEventListener("click", () => editor.commands.focus());
  // Links of the error summary point at the textarea's id: bring them to the editor.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#']");
    if (link && link.getAttribute("href") === `#${textarea.id}`) {
      event.preventDefault();
      root.scrollIntoView({ block: "center" });
      editor.commands.focus();
    }
  });

  const roving = rovingToolbar(toolbar, () => editor.commands.focus());
  editor.view.dom.addEventListener("keydown", (event) => {
    if (event.key === "F10" && event.altKey) {
      event.preventDefault();
      roving.first().focus();
    }
  });

  // The link form: a small inline form (not a nested <form>: the page's form is around it).
  const linkBox = part(root, "link");
  const linkInput = part(root, "link-input");
  const linkError = part(root, "link-error");
  const linkHint = part(root, "link-hint");
  linkInput.id = `${textarea.id}-link`;
  part(root, "link-label").htmlFor = linkInput.id;
  linkHint.id = `${textarea.id}-link-hint`;
  linkError.id = `${textarea.id}-link-error`;
  const closeLink = () => {
    linkBox.hidden = true;
    showError(linkInput, linkError, linkHint, false);
    editor.commands.focus();
  };
  const applyLink = () => {
    const href = linkInput.value.trim();
    if (!allowedHref(href)) {
      showError(linkInput, linkError, linkHint, true);
      return;
    }
    editor.chain().focus().extendMarkRange("link").setLink({ href }).run();
    closeLink();
  };
  part(root, "link-apply").addEventListener("click", applyLink);
  part(root, "link-cancel").addEventListener("click", closeLink);
  linkInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // Enter would submit the page's form
      applyLink();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeLink();
    }
  });

  // A hub without the media library's API offers no images (the sanitiser would drop any
  // other), so the button goes.
  const mediaUrl = template.dataset.mediaUrl;
  if (!mediaUrl) toolbar.querySelector("[data-command=image]").remove();
  const picker = imagePicker(dialog, mediaUrl || "", lang, (image) => {
    editor.chain().focus().setImage(image).run();
  });
  dialog.addEventListener("close", () => editor.commands.focus());

  const commands = {
    bold: () => editor.chain().focus().toggleBold().run(),
    italic: () => editor.chain().focus().toggleItalic().run(),
    heading2: () => editor.chain().focus().toggleHeading({ level: 2 }).run(),
    heading3: () => editor.chain().focus().toggleHeading({ level: 3 }).run(),
    paragraph: () => editor.chain().focus().setParagraph().run(),
    bulletList: () => editor.chain().focus().toggleBulletList().run(),
    orderedList: () => editor.chain().focus().toggleOrderedList().run(),
    link: () => {
      linkInput.value = editor.getAttributes("link").href || "";
      linkBox.hidden = false;
      linkInput.focus();
    },
    unlink: () => editor.chain().focus().extendMarkRange("link").unsetLink().run(),
    image: () => picker.open(),
    undo: () => editor.chain().focus().undo().run(),
    redo: () => editor.chain().focus().redo().run(),
  };
  const pressed = {
    bold: () => editor.isActive("bold"),
    italic: () => editor.isActive("italic"),
    heading2: () => editor.isActive("heading", { level: 2 }),
    heading3: () => editor.isActive("heading", { level: 3 }),
    paragraph: () => editor.isActive("paragraph") && !editor.isActive("bulletList") && !editor.isActive("orderedList"),
    bulletList: () => editor.isActive("bulletList"),
    orderedList: () => editor.isActive("orderedList"),
    link: () => editor.isActive("link"),
  };
  const possible = {
    unlink: () => editor.isActive("link"),
    undo: () => editor.can().undo(),
    redo: () => editor.can().redo(),
  };
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-command]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    commands[button.dataset.command]();
  });
  const refresh = () => {
    for (const button of toolbar.querySelectorAll("button[data-command]")) {
      const name = button.dataset.command;
      if (pressed[name]) button.setAttribute("aria-pressed", pressed[name]() ? "true" : "false");
      if (possible[name]) {
        // aria-disabled, not disabled: the button stays in the toolbar's keyboard order
        if (possible[name]()) button.removeAttribute("aria-disabled");
        else button.setAttribute("aria-disabled", "true");
      }
    }
  };
  editor.on("transaction", refresh);
  editor.on("focus", refresh);
  refresh();
  textarea.hubEditor = editor;
}

function start() {
  const template = document.getElementById("hub-richtext-template");
  if (!template) return;
  document.querySelectorAll("textarea[data-hub-richtext]").forEach((textarea) => {
    if (!textarea.hubEditor) enhance(textarea, template);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
