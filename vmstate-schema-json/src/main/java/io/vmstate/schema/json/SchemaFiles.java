package io.vmstate.schema.json;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vmstate.api.schema.SchemaFormatException;
import io.vmstate.api.schema.proto.SchemaSet;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads and writes schema files in any of the supported formats: QEMU's {@code -dump-vmstate} JSON,
 * our extended JSON, and a binary protobuf {@link SchemaSet}. Reading detects the format from the
 * first non-blank byte (an opening brace is JSON, anything else protobuf).
 */
public final class SchemaFiles {
  /** The output formats of {@code vmstate schema --format}. */
  public enum Format {
    /** QEMU's JSON members plus the wire layout ({@link SchemaJsonWriter.Flavor#EXTENDED}). */
    JSON,
    /** Exactly QEMU's members, for QEMU's vmstate-static-checker.py. */
    QEMU_JSON,
    /** A binary {@link SchemaSet} message. */
    PROTO
  }

  private SchemaFiles() {}

  /** Reads a schema in any supported format; the stream is not closed. */
  public static SchemaSet read(InputStream in) throws IOException, SchemaFormatException {
    BufferedInputStream buffered = new BufferedInputStream(in);
    buffered.mark(4096);
    int b;
    do {
      b = buffered.read();
    } while (b == ' ' || b == '\t' || b == '\r' || b == '\n');
    buffered.reset();
    if (b == '{') {
      return SchemaJsonReader.read(buffered);
    }
    try {
      CodedInputStream coded = CodedInputStream.newInstance(buffered);
      SchemaSet set = SchemaSet.parseFrom(coded);
      coded.checkLastTagWas(0);
      return set;
    } catch (InvalidProtocolBufferException e) {
      throw SchemaFormatException.malformedProto(e.getMessage(), e);
    }
  }

  /** Writes {@code set} in {@code format}; the stream is flushed, not closed. */
  public static void write(SchemaSet set, OutputStream out, Format format) throws IOException {
    switch (format) {
      case JSON -> SchemaJsonWriter.write(set, out, SchemaJsonWriter.Flavor.EXTENDED);
      case QEMU_JSON -> SchemaJsonWriter.write(set, out, SchemaJsonWriter.Flavor.QEMU);
      case PROTO -> set.writeTo(out);
    }
    out.flush();
  }
}
