package io.vmstate.stream.vmdesc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vmstate.api.VmStateDecodeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small JSON tree read with jackson-core's streaming parser: objects are insertion-ordered maps
 * (a repeated key keeps its first position and takes the last value, as Python's {@code
 * OrderedDict} does), arrays are {@link List}s, numbers {@link Long} (or {@link Double}), strings,
 * booleans and {@link #NULL}. Member names are interned by the parser and short string values are
 * shared between equal occurrences (a vmdesc repeats a few type and field names very often).
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

  private static final int MAX_DEPTH = 200;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build();

  private JsonTree() {}

  /** Parses UTF-8 JSON text; {@code baseOffset} is where it starts in the stream (for errors). */
  public static Object parse(byte[] utf8, int off, int len, long baseOffset)
      throws VmStateDecodeException {
    try (JsonParser p = FACTORY.createParser(utf8, off, len)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw (VmStateDecodeException)
            VmStateDecodeException.corrupt("vmdesc JSON is empty").atOffset(baseOffset);
      }
      Object v = new Reader(p).value(t);
      if (p.nextToken() != null) {
        throw (VmStateDecodeException)
            VmStateDecodeException.corrupt("vmdesc JSON has data after its top-level value")
                .atOffset(baseOffset + p.currentLocation().getByteOffset());
      }
      return v;
    } catch (IOException e) {
      throw (VmStateDecodeException)
          VmStateDecodeException.corrupt("vmdesc JSON is malformed: " + e.getMessage())
              .atOffset(baseOffset);
    }
  }

  /** One parse: the parser and the shared short strings. */
  private static final class Reader {
    private static final int MAX_SHARED = 64;
    private final JsonParser p;
    private final String[] shared = new String[1 << 12];

    Reader(JsonParser p) {
      this.p = p;
    }

    Object value(JsonToken t) throws IOException {
      switch (t) {
        case START_OBJECT -> {
          Map<String, Object> m = new JsonObject();
          for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String name = p.currentName();
            m.put(name, value(p.nextToken()));
          }
          return m;
        }
        case START_ARRAY -> {
          List<Object> l = new ArrayList<>();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            l.add(value(e));
          }
          return l;
        }
        case VALUE_STRING -> {
          return string();
        }
        case VALUE_NUMBER_INT -> {
          return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? p.getBigIntegerValue()
              : (Object) p.getLongValue();
        }
        case VALUE_NUMBER_FLOAT -> {
          return p.getDoubleValue();
        }
        case VALUE_TRUE -> {
          return Boolean.TRUE;
        }
        case VALUE_FALSE -> {
          return Boolean.FALSE;
        }
        case VALUE_NULL -> {
          return NULL;
        }
        default -> throw new IOException("unexpected token " + t);
      }
    }

    /** The current string value; a short one equal to one seen recently is that same String. */
    private String string() throws IOException {
      int len = p.getTextLength();
      if (len > MAX_SHARED) {
        return p.getText();
      }
      char[] c = p.getTextCharacters();
      int off = p.getTextOffset();
      int h = 0;
      for (int i = 0; i < len; i++) {
        h = 31 * h + c[off + i];
      }
      int slot = (h ^ (h >>> 12)) & (shared.length - 1);
      String s = shared[slot];
      if (s != null && s.length() == len && sameChars(s, c, off)) {
        return s;
      }
      s = new String(c, off, len);
      shared[slot] = s;
      return s;
    }

    private static boolean sameChars(String s, char[] c, int off) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) != c[off + i]) {
          return false;
        }
      }
      return true;
    }
  }
}
