package io.vmstate.schema.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.Presence;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;

/**
 * Writes a {@link SchemaSet} as JSON in the shape of QEMU's {@code -dump-vmstate}: 2-space
 * indentation, {@code "key": value}, a trailing newline.
 *
 * <pre>
 * {
 *   "vmschkmachine": { "Name": machine },
 *   key: { "Name", "version_id", "minimum_version_id", "Description": {
 *       "name", "version_id", "minimum_version_id",
 *       "Fields": [ { "field", "version_id", "field_exists", "size", "num"?, "Description"? } ],
 *       "Subsections": [ description... ] } }
 * }
 * </pre>
 *
 * <p>{@code "size"} is {@code element_size}: for our schemas the wire bytes of one element, where
 * QEMU writes the C member size; when the element size is not fixed, the QEMU flavor writes 0 and
 * the extended flavor leaves {@code "size"} out. {@code "num"} is written for fixed arrays, as QEMU
 * 8.1 and later do. {@link Flavor#EXTENDED} adds the members that carry the rest of the wire layout
 * ({@code type}, {@code count}, {@code start}, {@code rows}/{@code columns}, {@code count_source},
 * {@code wire_size}, {@code struct_version}, {@code pointer_array}, {@code Key_Description}, {@code
 * priority}, {@code unmigratable}, {@code presence}, and the origin under {@code vmschkmachine});
 * {@link SchemaJsonReader} reads both flavors back.
 */
public final class SchemaJsonWriter {
  /** Which members to write. */
  public enum Flavor {
    /** Exactly the members QEMU writes (for QEMU's own vmstate-static-checker.py). */
    QEMU,
    /** QEMU's members plus the wire layout; what schema snapshots are stored as. */
    EXTENDED
  }

  private static final JsonFactory FACTORY = new JsonFactory();

  private final Flavor flavor;

  private SchemaJsonWriter(Flavor flavor) {
    this.flavor = flavor;
  }

  /** Writes {@code set} to {@code out} (UTF-8); the stream is flushed, not closed. */
  public static void write(SchemaSet set, OutputStream out, Flavor flavor) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.setPrettyPrinter(qemuStyle());
      new SchemaJsonWriter(flavor).writeSet(g, set);
      g.writeRaw('\n');
    }
  }

  /** The same, as a string. */
  public static String toJson(SchemaSet set, Flavor flavor) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      write(set, out, flavor);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing to memory failed", e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static DefaultPrettyPrinter qemuStyle() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    return new QemuPrettyPrinter().withObjectIndenter(indenter).withArrayIndenter(indenter);
  }

  /**
   * Jackson's pretty printer with QEMU's separators ({@code "key": value}) and QEMU's empty array:
   * an empty line, then the closing bracket at the array's indentation.
   */
  private static final class QemuPrettyPrinter extends DefaultPrettyPrinter {
    private static final long serialVersionUID = 1L;

    QemuPrettyPrinter() {
      super(
          Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    }

    private QemuPrettyPrinter(QemuPrettyPrinter base) {
      super(base);
    }

    @Override
    public QemuPrettyPrinter createInstance() {
      return new QemuPrettyPrinter(this);
    }

    @Override
    public QemuPrettyPrinter withObjectIndenter(Indenter i) {
      QemuPrettyPrinter p = new QemuPrettyPrinter(this);
      p._objectIndenter = i;
      return p;
    }

    @Override
    public QemuPrettyPrinter withArrayIndenter(Indenter i) {
      QemuPrettyPrinter p = new QemuPrettyPrinter(this);
      p._arrayIndenter = i;
      return p;
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      if (nrOfValues > 0) {
        super.writeEndArray(g, nrOfValues);
        return;
      }
      _nesting--;
      g.writeRaw('\n');
      _arrayIndenter.writeIndentation(g, _nesting);
      g.writeRaw(']');
    }
  }

  private boolean extended() {
    return flavor == Flavor.EXTENDED;
  }

  private void writeSet(JsonGenerator g, SchemaSet set) throws IOException {
    g.writeStartObject();
    if (!set.getMachine().isEmpty() || extended()) {
      g.writeObjectFieldStart("vmschkmachine");
      g.writeStringField("Name", set.getMachine());
      if (extended() && set.getOrigin() != Origin.ORIGIN_UNSPECIFIED) {
        g.writeStringField("origin", originName(set.getOrigin()));
      }
      g.writeEndObject();
    }
    for (SectionSchema s : set.getSectionsList()) {
      g.writeObjectFieldStart(s.getKey());
      g.writeStringField("Name", s.getKey());
      g.writeNumberField("version_id", s.getVersionId());
      g.writeNumberField("minimum_version_id", s.getMinimumVersionId());
      if (s.hasDescription()) {
        g.writeFieldName("Description");
        writeDescription(g, s.getDescription());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private void writeDescription(JsonGenerator g, DescriptionSchema d) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", d.getName());
    g.writeNumberField("version_id", d.getVersionId());
    g.writeNumberField("minimum_version_id", d.getMinimumVersionId());
    if (extended()) {
      if (!d.getPriority().isEmpty()) {
        g.writeStringField("priority", d.getPriority());
      }
      if (d.getUnmigratable()) {
        g.writeBooleanField("unmigratable", true);
      }
      if (d.getPresence() != Presence.PRESENCE_UNKNOWN) {
        g.writeStringField("presence", d.getPresence().name().toLowerCase(Locale.ROOT));
      }
    }
    if (d.getFieldsCount() > 0 || d.getHasFieldTable()) {
      g.writeArrayFieldStart("Fields");
      for (FieldSchema f : d.getFieldsList()) {
        writeField(g, f);
      }
      g.writeEndArray();
    }
    if (d.getSubsectionsCount() > 0) {
      g.writeArrayFieldStart("Subsections");
      for (DescriptionSchema s : d.getSubsectionsList()) {
        writeDescription(g, s);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private void writeField(JsonGenerator g, FieldSchema f) throws IOException {
    g.writeStartObject();
    g.writeStringField("field", f.getName());
    g.writeNumberField("version_id", f.getVersionId());
    g.writeBooleanField("field_exists", f.getHasExistsTest());
    if (f.hasElementSize() || !extended()) {
      g.writeNumberField("size", f.hasElementSize() ? f.getElementSize() : 0);
    }
    if (f.getArray() && f.hasCount()) {
      g.writeNumberField("num", f.getCount());
    }
    if (extended()) {
      writeLayout(g, f);
    }
    if (f.hasChild()) {
      g.writeFieldName("Description");
      writeDescription(g, f.getChild());
    }
    if (extended() && f.hasKeyChild()) {
      g.writeFieldName("Key_Description");
      writeDescription(g, f.getKeyChild());
    }
    g.writeEndObject();
  }

  private static void writeLayout(JsonGenerator g, FieldSchema f) throws IOException {
    if (!f.getWireType().isEmpty()) {
      g.writeStringField("type", f.getWireType());
    }
    if (f.hasCount()) {
      g.writeNumberField("count", f.getCount());
    }
    if (f.getStart() != 0) {
      g.writeNumberField("start", f.getStart());
    }
    if (f.getRows() != 0) {
      g.writeNumberField("rows", f.getRows());
      g.writeNumberField("columns", f.getColumns());
    }
    if (f.hasVarCount()) {
      g.writeObjectFieldStart("count_source");
      g.writeStringField("name", f.getVarCount().getSource());
      g.writeBooleanField("field", f.getVarCount().getFieldReference());
      g.writeStringField("type", f.getVarCount().getCountType());
      g.writeEndObject();
    }
    if (f.hasWireSize()) {
      g.writeNumberField("wire_size", f.getWireSize());
    }
    if (f.hasStructVersion()) {
      g.writeNumberField("struct_version", f.getStructVersion());
    }
    if (f.getPointerArray()) {
      g.writeBooleanField("pointer_array", true);
    }
  }

  static String originName(Origin o) {
    return switch (o) {
      case VMSTATE_JAVA -> "vmstate-java";
      case QEMU_DUMP -> "qemu";
      default -> "";
    };
  }
}
