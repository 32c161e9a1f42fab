package io.vmstate.dump;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * jackson-core generators that write exactly what Python's {@code json.dumps(obj, indent=4,
 * separators=(',', ': '))} writes (QEMU's analyze-migration.py prints with these settings): one
 * member per line indented by four spaces per level, {@code "key": value}, a comma at the end of a
 * line, {@code {}} and {@code []} for empty containers, and {@code ensure_ascii} escaping
 * (everything outside printable ASCII as lower-case {@code \\u} escapes of four hex digits, short
 * escapes for {@code \\n} and friends). Output streams through the generator; nothing is built in
 * memory.
 */
public final class PythonJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private PythonJson() {}

  /** A generator over {@code out} with Python's formatting. */
  public static JsonGenerator generator(Writer out) throws IOException {
    return configure(FACTORY.createGenerator(out));
  }

  /**
   * A generator writing bytes to {@code out} with Python's formatting; the text is pure ASCII, so
   * it is the same as {@link #generator(Writer)}'s, without a char-to-byte encoding step.
   */
  public static JsonGenerator generator(OutputStream out) throws IOException {
    return configure(FACTORY.createGenerator(out, JsonEncoding.UTF8));
  }

  private static JsonGenerator configure(JsonGenerator g) {
    g.setPrettyPrinter(new Indent4());
    g.setCharacterEscapes(new EnsureAscii());
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    return g;
  }

  /** Writes a {@code JsonTree} value (ordered maps, lists, numbers, strings, booleans). */
  public static void writeTree(JsonGenerator g, Object v) throws IOException {
    if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName((String) e.getKey());
        writeTree(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object e : l) {
        writeTree(g, e);
      }
      g.writeEndArray();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Long n) {
      g.writeNumber(n);
    } else if (v instanceof Integer n) {
      g.writeNumber(n);
    } else if (v instanceof BigInteger n) {
      g.writeNumber(n);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else {
      g.writeNull();
    }
  }

  /**
   * A member name as this module's generators write it: quoted, with Python's ensure_ascii escapes
   * (made by a generator, so it is the same text).
   */
  static byte[] memberName(String name) {
    if (needsNoEscape(name)) {
      // printable ASCII other than '"' and '\\' is written as it is: no generator needed
      byte[] q = new byte[name.length() + 2];
      q[0] = '"';
      for (int i = 0; i < name.length(); i++) {
        q[i + 1] = (byte) name.charAt(i);
      }
      q[q.length - 1] = '"';
      return q;
    }
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(name.length() + 2);
    try (JsonGenerator g = generator(b)) {
      g.writeString(name);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  private static boolean needsNoEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** The Python pretty printer of a generator made here, or null. */
  static Indent4 indent(JsonGenerator g) {
    return g.getPrettyPrinter() instanceof Indent4 i ? i : null;
  }

  /** Python's {@code indent=4, separators=(',', ': ')}. */
  static final class Indent4 implements PrettyPrinter {
    private static final SerializedString[] NEWLINES = new SerializedString[64];
    private static final SerializedString COLON = new SerializedString(": ");

    static {
      for (int i = 0; i < NEWLINES.length; i++) {
        NEWLINES[i] = new SerializedString("\n" + "    ".repeat(i));
      }
    }

    private int level;

    /** The nesting level: 1 inside the top-level object or list. */
    int level() {
      return level;
    }

    /** A line break and the indentation of {@code level}, as ASCII bytes. */
    static byte[] newline(int level) {
      return level < NEWLINES.length
          ? NEWLINES[level].asUnquotedUTF8()
          : ("\n" + "    ".repeat(level)).getBytes(StandardCharsets.US_ASCII);
    }

    private void newline(JsonGenerator g) throws IOException {
      if (level < NEWLINES.length) {
        g.writeRaw(NEWLINES[level]);
      } else {
        g.writeRaw("\n" + "    ".repeat(level));
      }
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw('\n');
    }

    /** An opening brace or bracket: one level deeper. */
    private void open(JsonGenerator g, char bracket) throws IOException {
      g.writeRaw(bracket);
      level++;
    }

    /** A closing brace or bracket: on a line of its own unless the container is empty. */
    private void close(JsonGenerator g, int members, char bracket) throws IOException {
      level--;
      if (members > 0) {
        newline(g);
      }
      g.writeRaw(bracket);
    }

    /** A comma and a new line between members or values. */
    private void separate(JsonGenerator g) throws IOException {
      g.writeRaw(',');
      newline(g);
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
      open(g, '{');
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
      close(g, nrOfEntries, '}');
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      separate(g);
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(COLON);
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
      open(g, '[');
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      close(g, nrOfValues, ']');
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      separate(g);
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
      newline(g);
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
      newline(g);
    }
  }

  /** Python's {@code ensure_ascii=True} escaping. */
  static final class EnsureAscii extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final int[] ASCII = new int[128];

    static {
      for (int c = 0; c < 0x20; c++) {
        ASCII[c] = ESCAPE_CUSTOM;
      }
      ASCII['"'] = ESCAPE_CUSTOM;
      ASCII['\\'] = ESCAPE_CUSTOM;
      ASCII[0x7f] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ASCII;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      String s =
          switch (ch) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> String.format("\\u%04x", ch);
          };
      return new SerializedString(s);
    }
  }
}
