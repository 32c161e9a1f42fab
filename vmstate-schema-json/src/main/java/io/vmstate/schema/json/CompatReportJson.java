package io.vmstate.schema.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.compat.CompatReport;
import io.vmstate.api.compat.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The JSON form of a {@link CompatReport}, as {@code vmstate check-compat --json} prints it. */
public final class CompatReportJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private CompatReportJson() {}

  /**
   * Writes {@code {"errors": n, "warnings": m, "problems": [{"severity", "device", "path",
   * "message"}...]}} followed by a newline; the stream is flushed, not closed.
   */
  public static void write(CompatReport report, OutputStream out) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("errors", report.errors());
      g.writeNumberField("warnings", report.warnings());
      g.writeArrayFieldStart("problems");
      for (Problem p : report.problems()) {
        g.writeStartObject();
        g.writeStringField("severity", p.severity().label());
        g.writeStringField("device", p.device());
        g.writeStringField("path", p.path());
        g.writeStringField("message", p.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.writeRaw('\n');
    }
  }

  /** {@link #write} as a string. */
  public static String toJson(CompatReport report) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(report, out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
