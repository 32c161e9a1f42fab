package io.vmstate.cli;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.OutputCheck;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamRewriter;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import io.vmstate.stream.vmdesc.VmdescSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate rewrite IN OUT}. */
@Command(
    name = "rewrite",
    mixinStandardHelpOptions = true,
    description = {
      "Decode every section of IN and encode it again into OUT.",
      "For any stream QEMU wrote, OUT is byte-identical to IN."
    })
final class RewriteCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IN", description = "input " + Cli.STREAM_FILE)
  Path in;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "output stream file (written whole through a temporary file, or not at all)")
  Path out;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    copy(in, out, null, OutputCheck.Allowed.NOTHING, spec);
    return 0;
  }

  /**
   * {@link OutputCheck} of {@code written} against {@code in} ({@code inVmdesc}: its parsed vmdesc
   * as it was read, or null to read it again).
   */
  static void check(
      Path in,
      Vmdesc inVmdesc,
      Path written,
      List<OutputCheck.Segment> segments,
      OutputCheck.Allowed allowed,
      OutputCheck.Describer describer)
      throws IOException, VmStateException {
    try (FileChannel a = FileChannel.open(in);
        FileChannel b = FileChannel.open(written)) {
      OutputCheck.check(
          OutputCheck.Bytes.of(a),
          () -> inVmdesc != null ? inVmdesc : VmdescLocator.locate(in, Vmdesc.DEFAULT_MAX_BYTES),
          OutputCheck.Bytes.of(b),
          () -> VmdescLocator.locate(written, Vmdesc.DEFAULT_MAX_BYTES),
          segments,
          allowed,
          describer);
    }
  }

  /**
   * Rewrites {@code in} into {@code out} through a temporary file, applying {@code editor}, and
   * checks the output against the input ({@link OutputCheck}) before moving it into place; {@code
   * allowed} says what the editor was asked to change.
   */
  static void copy(
      Path in,
      Path out,
      StreamRewriter.Editor editor,
      OutputCheck.Allowed allowed,
      picocli.CommandLine.Model.CommandSpec spec)
      throws IOException, VmStateException {
    copy(in, out, vmdesc -> {}, editor, null, allowed, spec);
  }

  /** What a command checks or prepares from the input's vmdesc before anything is written. */
  @FunctionalInterface
  interface Preflight {
    /** Throwing refuses the input; nothing has been written yet. */
    void before(Vmdesc vmdesc) throws VmStateException;
  }

  /**
   * The same, calling {@code preflight} with the input's vmdesc before anything is written, and
   * offering every device section to {@code handler} (null: none) first.
   */
  static void copy(
      Path in,
      Path out,
      Preflight preflight,
      StreamRewriter.Editor editor,
      StreamRewriter.SectionHandler handler,
      OutputCheck.Allowed allowed,
      picocli.CommandLine.Model.CommandSpec spec)
      throws IOException, VmStateException {
    Path abs = out.toAbsolutePath();
    Path tmp = null;
    boolean done = false;
    try (StreamSource src = Cli.open(in);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      Cli.requireVmdesc(src);
      preflight.before(src.vmdesc());
      tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
      var reader = src.reader(ReaderOptions.DEFAULT);
      progress.track(reader);
      StreamRewriter rewriter;
      try (OutputStream os = Files.newOutputStream(tmp)) {
        rewriter =
            new StreamRewriter(
                reader, new MigrationStreamWriter(WireOutput.to(os)), editor, handler);
        rewriter.run();
      }
      // A section handler may rewrite the parsed vmdesc's entries: then read the input's again.
      if (handler == null) {
        check(in, src.vmdesc(), tmp, rewriter.segments(), allowed, reader::describe);
      } else {
        check(in, null, tmp, rewriter.segments(), allowed, VmdescSchema::describe);
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done && tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
