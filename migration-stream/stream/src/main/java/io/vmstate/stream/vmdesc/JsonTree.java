package io.vmstate.stream.vmdesc;

import io.vmstate.api.VmStateDecodeException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON tree read from UTF-8 bytes (RFC 8259): objects are insertion-ordered maps (a
 * repeated key keeps its first position and takes the last value, as Python's {@code OrderedDict}
 * does), arrays are {@link List}s, integers {@link Long} (or {@link BigInteger} beyond 64 bits),
 * other numbers {@link Double}, strings, booleans and {@link #NULL}. Short strings (member names,
 * type names) equal to one seen recently are that same {@code String}.
 *
 * <p>A parse may also share whole values: with {@code shareDepth} d, every object or array met at
 * depth d (the top-level value is at depth 0) whose JSON text is byte for byte the text of one
 * already read is that same value; the parser compares the bytes and steps over them instead of
 * reading them again. A vmdesc of 512 CPUs holds 512 identical {@code fields} lists of some 6 KB:
 * they are read once, and code that caches per layout can do so by identity. Shared values must not
 * be changed.
 *
 * <p>This is our own parser rather than jackson-core's (which writes our JSON): the vmdesc is read
 * before anything else on every dump, where sharing by comparing bytes needs a parser that can step
 * over a known number of bytes, and a small parser is also quicker to warm up.
 */
public final class JsonTree {
  /** JSON {@code null}. */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** The deepest nesting accepted. */
  static final int MAX_DEPTH = 200;

  /** The longest number accepted, in characters (turning digits into a BigInteger is quadratic). */
  static final int MAX_NUMBER_LENGTH = 1000;

  private JsonTree() {}

  /** Parses UTF-8 JSON text; {@code baseOffset} is where it starts in the stream (for errors). */
  public static Object parse(byte[] utf8, int off, int len, long baseOffset)
      throws VmStateDecodeException {
    return parse(utf8, off, len, baseOffset, -1);
  }

  /**
   * Parses UTF-8 JSON text, sharing byte-identical objects and arrays found at depth {@code
   * shareDepth} (none when it is negative).
   */
  public static Object parse(byte[] utf8, int off, int len, long baseOffset, int shareDepth)
      throws VmStateDecodeException {
    Parser p = new Parser(utf8, off, off + len, baseOffset - off, shareDepth);
    p.skipSpace();
    if (p.pos == p.end) {
      throw VmStateDecodeException.corrupt("vmdesc JSON is empty").atOffset(baseOffset);
    }
    Object v = p.value(0);
    p.skipSpace();
    if (p.pos != p.end) {
      throw p.error("vmdesc JSON has data after its top-level value");
    }
    return v;
  }

  /** One parse over {@code b[pos, end)}. */
  private static final class Parser {
    /** Values at the sharing depth shorter than this are not worth sharing. */
    private static final int MIN_SHARED = 32;

    /**
     * At most this many values are kept per prefix hash, so each value is compared with a bounded
     * number of others and hostile text (many values with one prefix) costs linear time.
     */
    private static final int MAX_CANDIDATES = 8;

    private static final int MAX_SHARED_STRING = 64;

    private final byte[] b;
    private final int end;
    private final long base;
    private final int shareDepth;
    private int pos;

    /** Recently read short strings, by hash. */
    private final String[] strings = new String[1 << 12];

    /** Values read at {@link #shareDepth}, by a hash of their first {@link #MIN_SHARED} bytes. */
    private final Map<Integer, List<Shared>> shared = new HashMap<>();

    Parser(byte[] b, int pos, int end, long base, int shareDepth) {
      this.b = b;
      this.pos = pos;
      this.end = end;
      this.base = base;
      this.shareDepth = shareDepth;
    }

    /** A value whose text is {@code b[start, start + length)}. */
    private record Shared(int start, int length, Object value) {}

    VmStateDecodeException error(String what) {
      return VmStateDecodeException.corrupt(what).atOffset(base + Math.min(pos, end));
    }

    private VmStateDecodeException malformed(String expected) {
      String found =
          pos >= end ? "the end" : String.format("'%c' (0x%02x)", (char) (b[pos] & 0xff), b[pos]);
      return error("vmdesc JSON is malformed: expected " + expected + ", found " + found);
    }

    void skipSpace() {
      while (pos < end) {
        byte c = b[pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
          return;
        }
        pos++;
      }
    }

    Object value(int depth) throws VmStateDecodeException {
      if (pos >= end) {
        throw malformed("a value");
      }
      switch (b[pos]) {
        case '{', '[' -> {
          if (depth >= MAX_DEPTH) {
            throw error("vmdesc JSON nests deeper than " + MAX_DEPTH + " levels");
          }
          return depth == shareDepth ? sharedContainer(depth) : container(depth);
        }
        case '"' -> {
          return string();
        }
        case 't' -> {
          return literal("true", Boolean.TRUE);
        }
        case 'f' -> {
          return literal("false", Boolean.FALSE);
        }
        case 'n' -> {
          return literal("null", NULL);
        }
        default -> {
          return number();
        }
      }
    }

    private Object container(int depth) throws VmStateDecodeException {
      if (b[pos++] == '{') {
        JsonObject m = new JsonObject();
        skipSpace();
        if (pos < end && b[pos] == '}') {
          pos++;
          return m;
        }
        while (true) {
          skipSpace();
          if (pos >= end || b[pos] != '"') {
            throw malformed("a member name");
          }
          String name = string();
          skipSpace();
          expect(':');
          skipSpace();
          m.put(name, value(depth + 1));
          skipSpace();
          if (pos < end && b[pos] == ',') {
            pos++;
          } else {
            expect('}');
            return m;
          }
        }
      }
      List<Object> l = new ArrayList<>();
      skipSpace();
      if (pos < end && b[pos] == ']') {
        pos++;
        return l;
      }
      while (true) {
        skipSpace();
        l.add(value(depth + 1));
        skipSpace();
        if (pos < end && b[pos] == ',') {
          pos++;
        } else {
          expect(']');
          return l;
        }
      }
    }

    /** A container at the sharing depth: one already read from the same bytes, or a new one. */
    private Object sharedContainer(int depth) throws VmStateDecodeException {
      int start = pos;
      Integer key = end - start >= MIN_SHARED ? prefixHash(start) : null;
      List<Shared> candidates = key == null ? null : shared.get(key);
      if (candidates != null) {
        for (Shared s : candidates) {
          int to = start + s.length;
          if (to <= end && Arrays.equals(b, s.start, s.start + s.length, b, start, to)) {
            pos = to;
            return s.value;
          }
        }
      }
      Object v = container(depth);
      if (key != null && pos - start >= MIN_SHARED) {
        List<Shared> list = shared.computeIfAbsent(key, k -> new ArrayList<>(1));
        if (list.size() < MAX_CANDIDATES) {
          list.add(new Shared(start, pos - start, v));
        }
      }
      return v;
    }

    private int prefixHash(int start) {
      int h = 1;
      for (int i = start; i < start + MIN_SHARED; i++) {
        h = 31 * h + b[i];
      }
      return h;
    }

    private void expect(char c) throws VmStateDecodeException {
      if (pos >= end || b[pos] != c) {
        throw malformed("'" + c + "'");
      }
      pos++;
    }

    private Object literal(String word, Object value) throws VmStateDecodeException {
      int n = word.length();
      if (end - pos < n) {
        throw malformed("'" + word + "'");
      }
      for (int i = 0; i < n; i++) {
        if (b[pos + i] != word.charAt(i)) {
          throw malformed("'" + word + "'");
        }
      }
      pos += n;
      return value;
    }

    private Object number() throws VmStateDecodeException {
      int start = pos;
      if (pos < end && b[pos] == '-') {
        pos++;
      }
      if (pos < end && b[pos] == '0') {
        pos++;
      } else if (!digits()) {
        pos = start;
        throw malformed("a value");
      }
      boolean integer = true;
      if (pos < end && b[pos] == '.') {
        pos++;
        integer = false;
        if (!digits()) {
          throw malformed("a digit");
        }
      }
      if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
        pos++;
        integer = false;
        if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
          pos++;
        }
        if (!digits()) {
          throw malformed("a digit");
        }
      }
      if (pos - start > MAX_NUMBER_LENGTH) {
        int end = pos;
        pos = start;
        VmStateDecodeException e =
            error(
                "vmdesc JSON has a number of "
                    + (end - start)
                    + " characters; at most "
                    + MAX_NUMBER_LENGTH
                    + " are accepted");
        pos = end;
        throw e;
      }
      String text = new String(b, start, pos - start, StandardCharsets.US_ASCII);
      if (!integer) {
        return Double.parseDouble(text);
      }
      if (pos - start <= 18) {
        return Long.parseLong(text);
      }
      BigInteger big = new BigInteger(text);
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private boolean digits() {
      int start = pos;
      while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
        pos++;
      }
      return pos > start;
    }

    /** The string at {@code pos} (its opening quote). */
    private String string() throws VmStateDecodeException {
      int start = ++pos;
      int h = 0;
      while (pos < end) {
        byte c = b[pos];
        if (c == '"') {
          String s = shortString(start, pos - start, h);
          pos++;
          return s;
        }
        if (c == '\\' || c < 0x20) {
          break; // escapes, raw controls (an error) and non-ASCII take the general path
        }
        h = 31 * h + c;
        pos++;
      }
      if (pos >= end) {
        throw malformed("the end of a string");
      }
      return escapedString(start);
    }

    /** An ASCII string without escapes, shared with an equal short one read before. */
    private String shortString(int start, int len, int h) {
      if (len > MAX_SHARED_STRING) {
        return new String(b, start, len, StandardCharsets.ISO_8859_1);
      }
      int slot = (h ^ (h >>> 12)) & (strings.length - 1);
      String s = strings[slot];
      if (s != null && s.length() == len && sameBytes(s, start)) {
        return s;
      }
      s = new String(b, start, len, StandardCharsets.ISO_8859_1);
      strings[slot] = s;
      return s;
    }

    private boolean sameBytes(String s, int start) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) != b[start + i]) {
          return false;
        }
      }
      return true;
    }

    /** A string with escapes or non-ASCII text, from {@code start} (after the quote). */
    private String escapedString(int start) throws VmStateDecodeException {
      StringBuilder sb = new StringBuilder();
      pos = start;
      while (true) {
        int run = pos;
        while (pos < end && b[pos] != '"' && b[pos] != '\\' && (b[pos] < 0 || b[pos] >= 0x20)) {
          pos++;
        }
        appendUtf8(sb, run, pos - run);
        if (pos >= end) {
          throw malformed("the end of a string");
        }
        byte c = b[pos];
        if (c == '"') {
          pos++;
          return sb.toString();
        }
        if (c != '\\') {
          throw error(
              String.format(
                  "vmdesc JSON is malformed: raw control character 0x%02x in a string", c));
        }
        pos++;
        if (pos >= end) {
          throw malformed("an escape");
        }
        char e = (char) b[pos++];
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> sb.append(hex4());
          default -> {
            pos--;
            throw malformed("an escape");
          }
        }
      }
    }

    private char hex4() throws VmStateDecodeException {
      if (end - pos < 4) {
        throw malformed("four hex digits");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(b[pos], 16);
        if (d < 0) {
          throw malformed("four hex digits");
        }
        v = v << 4 | d;
        pos++;
      }
      return (char) v;
    }

    private void appendUtf8(StringBuilder sb, int start, int len) throws VmStateDecodeException {
      if (len == 0) {
        return;
      }
      try {
        CharBuffer chars =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(b, start, len));
        sb.append(chars);
      } catch (CharacterCodingException x) {
        int at = pos;
        pos = start;
        VmStateDecodeException e = error("vmdesc JSON is malformed: a string is not valid UTF-8");
        pos = at;
        throw e;
      }
    }
  }
}
