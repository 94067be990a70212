// Text from agents and prompts is data, not terminal control: escape
// sequences could recolor, move the cursor, retitle the window or hide lines,
// and a bare \r overwrites what was printed. Human renderers pass every such
// string through here; --json stays byte-exact.

// C0 controls but \t and \n, DEL, and the C1 range (0x9b is a one-byte CSI)
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Control characters made visible: ESC → ␛, CR → ␍ (Unicode control pictures), DEL → ␡, C1 → \x9b. */
export function safeText(s: string): string {
  return s.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '␡' : `\\x${code.toString(16)}`;
  });
}

/** Safe, with continuation lines indented by `width` spaces so they stay in their column. */
export const safeBlock = (s: string, width: number): string => safeText(s).replace(/\n/g, `\n${' '.repeat(width)}`);
