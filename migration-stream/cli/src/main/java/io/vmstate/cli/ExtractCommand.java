package io.vmstate.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireInput;
import io.vmstate.dump.PythonJson;
import io.vmstate.dump.StateDump;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.ram.RamBlock;
import io.vmstate.stream.ram.RamSink;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmstate extract FILE DIR}: analyze-migration.py's {@code -x}. */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    description = {
      "Write DIR/desc.json (the vmdesc), DIR/state.json (the state dump, byte for byte what dump"
          + " prints) and one file per RAM block (DIR/<block idstr>, sized to the block, pages at"
          + " their offsets).",
      "DIR must be empty or new unless --force. A broken stream is extracted up to the break"
          + " (state.json as dump prints it), DIR/INCOMPLETE names the break, and the command"
          + " exits 1."
    })
final class ExtractCommand implements Callable<Integer> {
  /** Written into DIR when the stream broke: the files there hold only what came before. */
  static final String INCOMPLETE = "INCOMPLETE";

  @Parameters(index = "0", paramLabel = "FILE", description = Cli.STREAM_FILE)
  Path file;

  @Parameters(index = "1", paramLabel = "DIR", description = "output folder (created if missing)")
  Path dir;

  @Option(names = "--desc-from", paramLabel = "FILE", description = Cli.DESC_FROM)
  Path descFrom;

  @Option(
      names = {"-f", "--force"},
      description =
          "write into DIR even when it is not empty (files of the same name are replaced)")
  boolean force;

  @Mixin UserDescriptions userDescriptions;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new java.nio.file.FileSystemException(dir.toString(), null, "is not a directory");
    }
    if (!force && Files.isDirectory(dir)) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(),
              Cli.escape(dir.toString()) + " is not empty; pass --force to write into it anyway");
        }
      }
    }
    userDescriptions.load();
    try (StreamSource src = Cli.open(file);
        Progress progress = Progress.start(src, spec.commandLine().getErr())) {
      ReaderOptions options = Cli.options(descFrom);
      Vmdesc desc = src.vmdesc() != null ? src.vmdesc() : options.vmdesc();
      if (desc == null) {
        Cli.requireVmdesc(src);
      }
      Files.createDirectories(dir);
      try (Writer w = Files.newBufferedWriter(dir.resolve("desc.json"))) {
        JsonGenerator g = PythonJson.generator(w);
        PythonJson.writeTree(g, desc.root());
        g.flush();
      }
      spec.commandLine().getOut().println("desc.json");
      MigrationStreamReader r = src.reader(options).withTypedStandIns();
      progress.track(r);
      BlockFiles blocks = new BlockFiles();
      VmStateException brk;
      try (OutputStream w =
          new java.io.BufferedOutputStream(Files.newOutputStream(dir.resolve("state.json")))) {
        JsonGenerator g = PythonJson.generator(w); // the bytes dump writes to stdout
        blocks.pageSize = r.pageSize();
        brk = new StateDump(r, g, false, StateDump.Schema.TYPED, blocks).runToBreak();
        g.writeRaw('\n');
        g.flush();
      } finally {
        blocks.close();
      }
      spec.commandLine().getOut().println("state.json");
      Path incomplete = dir.resolve(INCOMPLETE);
      if (brk != null) {
        // What is extracted is complete up to the break; this file says the rest is missing.
        Files.writeString(
            incomplete,
            "extracted up to the break; the rest of the stream is missing: "
                + Cli.escape(brk.getMessage())
                + "\n");
        spec.commandLine().getOut().println(INCOMPLETE);
        spec.commandLine().getOut().flush();
        return Cli.reportBreak(src, brk, spec.commandLine().getErr());
      }
      Files.deleteIfExists(incomplete);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  /** One sparse file per RAM block under DIR. */
  private final class BlockFiles implements RamSink, AutoCloseable {
    private final Map<String, FileChannel> files = new HashMap<>();
    private final byte[] page = new byte[64 * 1024];
    int pageSize = 4096;

    @Override
    public void blocks(long total, List<RamBlock> list) throws VmStateException {
      for (RamBlock b : list) {
        Path p = safe(b.idstr());
        try {
          Files.createDirectories(p.getParent());
          FileChannel ch =
              FileChannel.open(
                  p,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING);
          ch.truncate(0);
          if (b.usedLength() > 0) {
            ch.write(ByteBuffer.allocate(1), b.usedLength() - 1);
          }
          files.put(b.idstr(), ch);
        } catch (IOException e) {
          throw VmStateDecodeException.corrupt("cannot create " + p + ": " + e.getMessage());
        }
        spec.commandLine().getOut().println(Cli.escape(b.idstr()));
      }
    }

    private Path safe(String idstr) throws VmStateDecodeException {
      Path p = dir.resolve("./" + idstr.replaceFirst("^/+", "")).normalize();
      if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
        throw VmStateDecodeException.corrupt(
            "RAM block name '" + idstr + "' would be written outside " + dir);
      }
      return p;
    }

    @Override
    public void zeroPage(RamBlock b, long addr, boolean c, int fill) throws VmStateException {
      if (fill != 0) {
        byte[] buf = new byte[pageSize];
        java.util.Arrays.fill(buf, (byte) fill);
        write(b, addr, buf, buf.length);
      }
    }

    @Override
    public void page(RamBlock b, long addr, boolean c, WireInput in, int size)
        throws VmStateException {
      byte[] buf = size <= page.length ? page : new byte[size];
      in.readBytes(buf, 0, size);
      write(b, addr, buf, size);
    }

    private void write(RamBlock b, long addr, byte[] buf, int len) throws VmStateException {
      try {
        files.get(b.idstr()).write(ByteBuffer.wrap(buf, 0, len), addr);
      } catch (IOException e) {
        throw VmStateDecodeException.corrupt("writing block " + b.idstr() + ": " + e.getMessage());
      }
    }

    @Override
    public void close() throws IOException {
      for (FileChannel ch : files.values()) {
        ch.close();
      }
    }
  }
}
