// JSON that gives its value back exactly, or nothing: NaN and the infinities become null and -0
// becomes 0 in JSON, so a value holding one of them cannot be kept in the site's cache (it would
// come back as something else) nor name an input by its hash (two inputs would share a name).
export function exactJson(value: unknown): string | undefined {
  let exact = true;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) exact = false;
    return v;
  });
  return exact ? text : undefined;
}
