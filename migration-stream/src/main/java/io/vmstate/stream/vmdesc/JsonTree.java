package io.vmstate.stream.vmdesc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vmstate.api.VmStateDecodeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON tree read with jackson-core's streaming parser: objects are {@link LinkedHashMap}s
 * (a repeated key keeps its first position and takes the last value, as Python's {@code
 * OrderedDict} does), arrays are {@link List}s, numbers {@link Long} (or {@link Double}), strings,
 * booleans and {@link #NULL}.
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
      Object v = value(p, t);
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

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          m.put(name, value(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          l.add(value(p, e));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
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
}
