package io.vmstate.cli;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamRewriter;
import io.vmstate.stream.StreamSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    copy(in, out, null, spec);
    return 0;
  }

  /** Rewrites {@code in} into {@code out} through a temporary file, applying {@code editor}. */
  static void copy(
      Path in, Path out, StreamRewriter.Editor editor, picocli.CommandLine.Model.CommandSpec spec)
      throws IOException, VmStateException {
    copy(in, out, editor, null, spec);
  }

  /** The same, offering every device section to {@code handler} first. */
  static void copy(
      Path in,
      Path out,
      StreamRewriter.Editor editor,
      StreamRewriter.SectionHandler handler,
      picocli.CommandLine.Model.CommandSpec spec)
      throws IOException, VmStateException {
    Path abs = out.toAbsolutePath();
    Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
    boolean done = false;
    try (StreamSource src = Cli.open(in);
        Progress progress = Progress.start(src, spec.commandLine().getErr());
        OutputStream os = Files.newOutputStream(tmp)) {
      Cli.requireVmdesc(src);
      var reader = src.reader(ReaderOptions.DEFAULT);
      progress.track(reader);
      new StreamRewriter(reader, new MigrationStreamWriter(WireOutput.to(os)), editor, handler)
          .run();
      os.close();
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
