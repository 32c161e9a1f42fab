package io.vmstate.schema.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.Presence;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import io.vmstate.api.schema.proto.VarCountSchema;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads QEMU's {@code -dump-vmstate} JSON, or the extended JSON {@link SchemaJsonWriter} writes,
 * into a {@link SchemaSet}, streaming (the 1.9 MB dump of {@code qemu-system-aarch64 -M virt} is
 * never held as a tree).
 *
 * <p>A file is ours when {@code vmschkmachine} carries {@code "origin": "vmstate-java"}; otherwise
 * it is a QEMU dump ({@link Origin#QEMU_DUMP}): fields then have no wire type, {@code size} is the
 * C member size, and an element count is known only where QEMU 8.1+ wrote {@code "num"}. Unknown
 * members are skipped, so newer dumps still load. Members of the wrong type, missing names and
 * malformed JSON are {@link SchemaFormatException}s with the byte offset and the path (section key,
 * {@code Fields[3]}, {@code Subsections[0]}, ...).
 */
public final class SchemaJsonReader {
  private static final JsonFactory FACTORY = new JsonFactory();

  private final JsonParser p;

  private SchemaJsonReader(JsonParser p) {
    this.p = p;
  }

  /** Reads a whole schema file; the stream is not closed. */
  public static SchemaSet read(InputStream in) throws IOException, SchemaFormatException {
    try (JsonParser p = FACTORY.createParser(in)) {
      p.configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, false);
      SchemaSet set = new SchemaJsonReader(p).readSet();
      if (p.nextToken() != null) {
        throw SchemaFormatException.malformedJson(
            "content after the top-level object", offset(p), null);
      }
      return set;
    } catch (InputCoercionException e) {
      throw SchemaFormatException.badValue(
          e.getProcessor() == null ? "?" : String.valueOf(e.getProcessor().currentName()),
          "(" + e.getOriginalMessage() + ")",
          e.getLocation() == null ? -1 : e.getLocation().getByteOffset());
    } catch (JsonProcessingException e) {
      throw SchemaFormatException.malformedJson(
          e.getOriginalMessage(),
          e.getLocation() == null ? -1 : e.getLocation().getByteOffset(),
          e);
    } catch (CharConversionException e) {
      // Jackson took the bytes for UTF-16/32 (from their first four) and met an invalid character
      throw SchemaFormatException.malformedJson(
          "not text in a JSON encoding (" + e.getMessage() + ")", byteOffset(e.getMessage()), e);
    }
  }

  private static final Pattern BYTE_OFFSET = Pattern.compile("byte #(\\d+)");

  /** The byte offset Jackson's decoders name in their messages ("byte #123"), or -1. */
  private static long byteOffset(String message) {
    Matcher m = BYTE_OFFSET.matcher(String.valueOf(message));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private SchemaSet readSet() throws IOException, SchemaFormatException {
    expectStart(p.nextToken(), "the schema file", JsonToken.START_OBJECT, "an object");
    SchemaSet.Builder set = SchemaSet.newBuilder().setOrigin(Origin.QEMU_DUMP);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      try {
        if (key.equals("vmschkmachine")) {
          readMachine(set);
        } else {
          set.addSections(readSection(key));
        }
      } catch (SchemaFormatException e) {
        throw e.inField(key);
      }
    }
    return set.build();
  }

  private void readMachine(SchemaSet.Builder set) throws IOException, SchemaFormatException {
    expectStart(p.currentToken(), "vmschkmachine", JsonToken.START_OBJECT, "an object");
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      p.nextToken();
      switch (m) {
        case "Name" -> set.setMachine(string(m));
        case "origin" -> set.setOrigin(origin(string(m)));
        default -> p.skipChildren();
      }
    }
  }

  private Origin origin(String name) throws SchemaFormatException {
    for (Origin o : Origin.values()) {
      if (o != Origin.UNRECOGNIZED
          && o != Origin.ORIGIN_UNSPECIFIED
          && SchemaJsonWriter.originName(o).equals(name)) {
        return o;
      }
    }
    throw SchemaFormatException.badValue("origin", "\"" + name + "\"", offset(p));
  }

  private SectionSchema readSection(String key) throws IOException, SchemaFormatException {
    expectStart(p.currentToken(), key, JsonToken.START_OBJECT, "an object");
    SectionSchema.Builder s = SectionSchema.newBuilder().setKey(key);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      p.nextToken();
      switch (m) {
        case "version_id" -> s.setVersionId(integer(m));
        case "minimum_version_id" -> s.setMinimumVersionId(integer(m));
        case "Description" -> s.setDescription(readDescription());
        default -> p.skipChildren();
      }
    }
    return s.build();
  }

  private DescriptionSchema readDescription() throws IOException, SchemaFormatException {
    long start = offset(p);
    expectStart(p.currentToken(), "Description", JsonToken.START_OBJECT, "an object");
    DescriptionSchema.Builder d = DescriptionSchema.newBuilder();
    boolean named = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      p.nextToken();
      switch (m) {
        case "name" -> {
          d.setName(string(m));
          named = true;
        }
        case "version_id" -> d.setVersionId(integer(m));
        case "minimum_version_id" -> d.setMinimumVersionId(integer(m));
        case "priority" -> d.setPriority(string(m));
        case "unmigratable" -> d.setUnmigratable(bool(m));
        case "presence" -> d.setPresence(presence(string(m)));
        case "Fields" -> {
          d.setHasFieldTable(true);
          readArray(m, i -> d.addFields(readField()));
        }
        case "Subsections" -> readArray(m, i -> d.addSubsections(readDescription()));
        default -> p.skipChildren();
      }
    }
    if (!named) {
      throw SchemaFormatException.missingMember("name", "a description", start);
    }
    return d.build();
  }

  private Presence presence(String name) throws SchemaFormatException {
    try {
      Presence v = Presence.valueOf(name.toUpperCase(Locale.ROOT));
      if (v != Presence.UNRECOGNIZED) {
        return v;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw SchemaFormatException.badValue("presence", "\"" + name + "\"", offset(p));
  }

  private FieldSchema readField() throws IOException, SchemaFormatException {
    long start = offset(p);
    expectStart(p.currentToken(), "a field", JsonToken.START_OBJECT, "an object");
    FieldSchema.Builder f = FieldSchema.newBuilder();
    boolean named = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      p.nextToken();
      switch (m) {
        case "field" -> {
          f.setName(string(m));
          named = true;
        }
        case "version_id" -> f.setVersionId(integer(m));
        case "field_exists" -> f.setHasExistsTest(bool(m));
        case "size" -> f.setElementSize(nonNegative(m));
        case "num" -> f.setArray(true).setCount(nonNegative(m));
        case "type" -> f.setWireType(string(m));
        case "count" -> f.setCount(nonNegative(m));
        case "start" -> f.setStart(nonNegative(m));
        case "rows" -> f.setRows(nonNegative(m));
        case "columns" -> f.setColumns(nonNegative(m));
        case "count_source" -> f.setVarCount(readVarCount());
        case "wire_size" -> f.setWireSize(longValue(m));
        case "struct_version" -> f.setStructVersion(integer(m));
        case "pointer_array" -> f.setPointerArray(bool(m));
        case "Description" -> f.setChild(readDescription());
        case "Key_Description" -> f.setKeyChild(readDescription());
        default -> p.skipChildren();
      }
    }
    if (!named) {
      throw SchemaFormatException.missingMember("field", "a field entry", start);
    }
    return f.build();
  }

  private VarCountSchema readVarCount() throws IOException, SchemaFormatException {
    expectStart(p.currentToken(), "count_source", JsonToken.START_OBJECT, "an object");
    VarCountSchema.Builder v = VarCountSchema.newBuilder();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String m = p.currentName();
      p.nextToken();
      switch (m) {
        case "name" -> v.setSource(string(m));
        case "field" -> v.setFieldReference(bool(m));
        case "type" -> v.setCountType(string(m));
        default -> p.skipChildren();
      }
    }
    return v.build();
  }

  private interface Element {
    void read(int index) throws IOException, SchemaFormatException;
  }

  private void readArray(String member, Element element) throws IOException, SchemaFormatException {
    expectStart(p.currentToken(), member, JsonToken.START_ARRAY, "an array");
    int i = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      try {
        element.read(i);
      } catch (SchemaFormatException e) {
        throw e.inField(member + "[" + i + "]");
      }
      i++;
    }
  }

  private void expectStart(JsonToken t, String what, JsonToken expected, String kind)
      throws SchemaFormatException {
    if (t != expected) {
      throw SchemaFormatException.wrongType(what, kind, offset(p));
    }
  }

  private String string(String member) throws IOException, SchemaFormatException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw SchemaFormatException.wrongType(member, "a string", offset(p));
    }
    return p.getText();
  }

  private boolean bool(String member) throws SchemaFormatException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
      throw SchemaFormatException.wrongType(member, "true or false", offset(p));
    }
    return t == JsonToken.VALUE_TRUE;
  }

  private int integer(String member) throws IOException, SchemaFormatException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw SchemaFormatException.wrongType(member, "an integer", offset(p));
    }
    return p.getIntValue();
  }

  private int nonNegative(String member) throws IOException, SchemaFormatException {
    int v = integer(member);
    if (v < 0) {
      throw SchemaFormatException.badValue(member, Integer.toString(v), offset(p));
    }
    return v;
  }

  private long longValue(String member) throws IOException, SchemaFormatException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw SchemaFormatException.wrongType(member, "an integer", offset(p));
    }
    long v = p.getLongValue();
    if (v < 0) {
      throw SchemaFormatException.badValue(member, Long.toString(v), offset(p));
    }
    return v;
  }

  private static long offset(JsonParser p) {
    return p.currentTokenLocation().getByteOffset();
  }
}
