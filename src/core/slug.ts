/** `"Saturation: 1x H100 / Qwen"` -> `"saturation-1x-h100-qwen"`: safe as a file name and a URL path part. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'experiment';
}

/** A slugger that never returns the same slug twice (`x`, `x-2`, `x-3`...). */
export function uniqueSlugs(): (text: string) => string {
  const seen = new Set<string>();
  return (text) => {
    const base = slugify(text);
    let slug = base;
    for (let i = 2; seen.has(slug); i++) slug = `${base}-${i}`;
    seen.add(slug);
    return slug;
  };
}
