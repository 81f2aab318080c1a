// Turning what the user gives us into labelled image files: a dropped folder (walked with
// webkitGetAsEntry), a directory picker (webkitRelativePath), a .zip of class folders (fflate),
// or plain files assigned to a class by hand. As Keras's image_dataset_from_directory does, the
// class is the top-level sub-folder under the dataset root, and images in folders nested below
// it belong to that class (`sneakers/2019 trip/a.jpg` is a sneaker). Non-image and hidden files
// are listed as skipped, never fatal.
import { unzip } from 'fflate';
import type { FileProblem, ImageItem } from '../train/messages.js';

export interface PathFile {
  path: string;
  blob: Blob;
  /** Set when the file could not be read at all (it is listed as skipped with this reason). */
  problem?: string;
}

export interface Collected {
  classes: string[];
  items: ImageItem[];
  skipped: FileProblem[];
  /** Images taken from folders nested inside a class folder (labelled by the class folder). */
  nested: number;
  /** The folders unwrapped as the dataset root (the dropped folder itself, a zip's top folder). */
  root: string;
}

const IMAGE_EXT = /\.(jpe?g|jfif|png|webp|gif|bmp|avif)$/i;

function isHidden(path: string): boolean {
  return path.split('/').some((p) => p.startsWith('.') || p === '__MACOSX' || p === 'Thumbs.db' || p === 'desktop.ini');
}

/** Why a file that is not an image type is skipped, in words a user acts on. */
function notImageReason(path: string): string {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext && ['heic', 'heif'].includes(ext))
    return 'HEIC/HEIF photo: browsers cannot decode it; convert it to JPEG (skipped)';
  if (ext && ['tif', 'tiff'].includes(ext))
    return 'TIFF image: browsers cannot decode it; convert it to PNG or JPEG (skipped)';
  return `not an image file type (${ext ? `.${ext}` : 'no extension'}; images must be JPEG, PNG, WebP, GIF, BMP or AVIF) (skipped)`;
}

/**
 * Labels files by the top-level sub-folder of the dataset root; images in deeper folders
 * count for their top-level folder. While everything sits inside one single folder (the
 * dropped or picked folder, a zip's top folder), that folder is the root and is unwrapped.
 * Files directly in the root get `fallbackClass` (or are skipped).
 */
export function labelByFolder(files: PathFile[], fallbackClass?: string): Collected {
  const skipped: FileProblem[] = [];
  const kept: Array<{ parts: string[]; blob: Blob; path: string }> = [];
  for (const f of files) {
    const path = f.path.replace(/\\/g, '/').replace(/^\/+/, '');
    if (isHidden(path)) continue;
    if (f.problem) {
      skipped.push({ name: path, reason: f.problem });
      continue;
    }
    if (!IMAGE_EXT.test(path) && !(f.blob.type || '').startsWith('image/')) {
      skipped.push({ name: path, reason: notImageReason(path) });
      continue;
    }
    kept.push({ parts: path.split('/').filter((p) => p !== ''), blob: f.blob, path });
  }
  // Unwrap a lone top folder while something lies below it: one class cannot be trained, so a
  // single top-level folder is always the root, never the only class.
  const root: string[] = [];
  while (
    kept.length &&
    kept.every((k) => k.parts.length >= 2 && k.parts[0] === kept[0].parts[0]) &&
    kept.some((k) => k.parts.length >= 3)
  ) {
    root.push(kept[0].parts[0]);
    for (const k of kept) k.parts = k.parts.slice(1);
  }
  const classOf = (k: { parts: string[] }) => (k.parts.length >= 2 ? k.parts[0] : fallbackClass);
  const classes = [...new Set(kept.map(classOf).filter((c): c is string => !!c))].sort((a, b) => a.localeCompare(b));
  const index = new Map(classes.map((c, i) => [c, i]));
  const items: ImageItem[] = [];
  let nested = 0;
  for (const k of kept) {
    const c = classOf(k);
    if (c === undefined)
      skipped.push({
        name: k.path,
        reason: 'not inside a class folder: put each image in a folder named after its class (skipped)',
      });
    else {
      items.push({ name: k.path, label: index.get(c)!, blob: k.blob });
      if (k.parts.length > 2) nested++;
    }
  }
  return { classes, items, skipped, nested, root: root.join('/') };
}

/** Files from <input webkitdirectory> or a multi-file input. */
export function fromFileList(list: FileList | File[]): PathFile[] {
  return Array.from(list, (f) => ({
    path: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name,
    blob: f,
  }));
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

/** Walks a dropped entry to any depth; an unreadable file or folder is listed, not fatal. */
async function walk(entry: FileSystemEntry, out: PathFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  const unreadable = (e: unknown) =>
    `could not be read (${(e as Error)?.message || (e as DOMException)?.name || 'permission or I/O error'}) (skipped)`;
  if (entry.isFile) {
    try {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path, blob: file });
    } catch (e) {
      out.push({ path, blob: new Blob([]), problem: unreadable(e) });
    }
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most 100 entries per call: read until it returns none.
    for (;;) {
      let batch: FileSystemEntry[];
      try {
        batch = await readEntries(reader);
      } catch (e) {
        out.push({ path: `${path}/`, blob: new Blob([]), problem: `folder ${unreadable(e)}` });
        break;
      }
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** Files and folders dropped on the page; .zip files among them are expanded. */
export async function fromDataTransfer(dt: DataTransfer): Promise<PathFile[]> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  const out: PathFile[] = [];
  if (entries.length) for (const e of entries) await walk(e, out);
  else out.push(...fromFileList(dt.files));
  return expandZips(out);
}

/** Replaces .zip files by their contents (paths inside the zip). */
export async function expandZips(files: PathFile[]): Promise<PathFile[]> {
  const out: PathFile[] = [];
  for (const f of files) {
    if (/\.zip$/i.test(f.path)) out.push(...(await fromZip(f.blob)));
    else out.push(f);
  }
  return out;
}

export async function fromZip(blob: Blob): Promise<PathFile[]> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const files = await new Promise<Record<string, Uint8Array>>((resolve, reject) =>
    unzip(bytes, { filter: (f) => !f.name.endsWith('/') }, (err, data) =>
      err ? reject(new Error(`the zip could not be read: ${err.message}`)) : resolve(data),
    ),
  );
  return Object.entries(files).map(([path, data]) => ({ path, blob: new Blob([data as Uint8Array<ArrayBuffer>]) }));
}

/** The built-in sample dataset: public/sample/index.json lists the classes and files. */
export async function fromSample(base = 'sample/'): Promise<PathFile[]> {
  const res = await fetch(`${base}index.json`);
  if (!res.ok) throw new Error(`the sample dataset is missing (${base}index.json: HTTP ${res.status})`);
  const index = (await res.json()) as Record<string, unknown>;
  const paths: string[] = [];
  const files = index.files as unknown;
  const classes = index.classes as unknown;
  if (Array.isArray(files)) {
    for (const f of files) {
      if (typeof f === 'string') paths.push(f);
      else if (f && typeof f === 'object') {
        const o = f as { path?: string; file?: string; name?: string; label?: string | number; class?: string };
        const p = o.path ?? o.file ?? o.name ?? '';
        const cls =
          typeof o.label === 'number' && Array.isArray(classes)
            ? String(classes[o.label])
            : (o.class ?? (typeof o.label === 'string' ? o.label : undefined));
        paths.push(p.includes('/') || !cls ? p : `${cls}/${p}`);
      }
    }
  } else if (Array.isArray(classes)) {
    for (const c of classes as Array<{ name?: string; files?: string[] }>)
      for (const f of c.files ?? []) paths.push(f.includes('/') ? f : `${c.name}/${f}`);
  } else if (files && typeof files === 'object') {
    for (const [cls, list] of Object.entries(files as Record<string, string[]>))
      for (const f of list) paths.push(f.includes('/') ? f : `${cls}/${f}`);
  }
  if (paths.length === 0) throw new Error('the sample index.json lists no files');
  const out: PathFile[] = [];
  const queue = [...paths];
  // A few requests in flight; the sample is small.
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const r = await fetch(base + p.split('/').map(encodeURIComponent).join('/'));
        out.push({ path: p, blob: r.ok ? await r.blob() : new Blob([]) });
      }
    }),
  );
  out.sort((a, b) => a.path.localeCompare(b.path));
  return out;
}
