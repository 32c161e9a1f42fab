package io.vmstate.stream.vmdesc;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON the way QEMU's compact {@code JSONWriter} does (reference §5.9): members separated by
 * {@code ", "}, keys as {@code "key": }, no newlines, control and non-ASCII characters as
 * upper-case {@code \\u} escapes of four hex digits. The vmdesc trailer is written with it so our
 * streams match QEMU's bytes.
 */
public final class QemuJsonWriter {
  private final StringBuilder out;
  private final Deque<Boolean> containerIsArray = new ArrayDeque<>();
  private boolean needComma;

  /** A writer into a new buffer. */
  public QemuJsonWriter() {
    this(new StringBuilder());
  }

  /** A writer appending to {@code out}. */
  public QemuJsonWriter(StringBuilder out) {
    this.out = out;
  }

  /** The text written so far. */
  public String text() {
    return out.toString();
  }

  private void commaName(String name) {
    if (needComma) {
      out.append(", ");
    } else {
      needComma = true;
    }
    if (!containerIsArray.isEmpty() && !containerIsArray.peek()) {
      quoted(name);
      out.append(": ");
    }
  }

  /** Opens an object, as a member {@code name} when inside an object. */
  public QemuJsonWriter startObject(String name) {
    commaName(name);
    out.append('{');
    containerIsArray.push(false);
    needComma = false;
    return this;
  }

  /** Closes the innermost object. */
  public QemuJsonWriter endObject() {
    containerIsArray.pop();
    out.append('}');
    needComma = true;
    return this;
  }

  /** Opens an array, as a member {@code name} when inside an object. */
  public QemuJsonWriter startArray(String name) {
    commaName(name);
    out.append('[');
    containerIsArray.push(true);
    needComma = false;
    return this;
  }

  /** Closes the innermost array. */
  public QemuJsonWriter endArray() {
    containerIsArray.pop();
    out.append(']');
    needComma = true;
    return this;
  }

  /** Writes a string, as a member {@code name} when inside an object. */
  public QemuJsonWriter str(String name, String value) {
    commaName(name);
    quoted(value);
    return this;
  }

  /** Writes an integer, as a member {@code name} when inside an object. */
  public QemuJsonWriter int64(String name, long value) {
    commaName(name);
    out.append(value);
    return this;
  }

  /** Writes any {@link JsonTree} value as member {@code name}. */
  public QemuJsonWriter value(String name, Object v) {
    if (v instanceof Map<?, ?> m) {
      startObject(name);
      for (Map.Entry<?, ?> e : m.entrySet()) {
        value((String) e.getKey(), e.getValue());
      }
      endObject();
    } else if (v instanceof List<?> l) {
      startArray(name);
      for (Object e : l) {
        value(null, e);
      }
      endArray();
    } else if (v instanceof String s) {
      str(name, s);
    } else if (v instanceof Long || v instanceof BigInteger || v instanceof Integer) {
      commaName(name);
      out.append(v);
    } else if (v instanceof Double d) {
      commaName(name);
      out.append(d);
    } else if (v instanceof Boolean b) {
      commaName(name);
      out.append(b ? "true" : "false");
    } else {
      commaName(name);
      out.append("null");
    }
    return this;
  }

  private void quoted(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (cp > 0xffff) {
            out.append(
                String.format(
                    "\\u%04X\\u%04X",
                    0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)));
          } else if (cp < 0x20 || cp >= 0x7f) {
            out.append(String.format("\\u%04X", cp));
          } else {
            out.append((char) cp);
          }
        }
      }
    }
    out.append('"');
  }
}
