package io.vmstate.cli;

import io.vmstate.api.VmStateException;
import io.vmstate.stream.TypedDescriptions;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code vmstate}: inspect, verify, rewrite and edit QEMU migration streams. JSON goes to stdout,
 * diagnostics to stderr; exit 0 when all is well, 1 for bad data, 2 for usage errors.
 */
@Command(
    name = "vmstate",
    mixinStandardHelpOptions = true,
    version = VmStateCli.VERSION,
    description = "Inspect, verify, rewrite and edit QEMU 7.2 migration streams.")
public final class VmStateCli implements Runnable {
  /** What {@code -V} prints, for the tool and every subcommand. */
  static final String VERSION = "vmstate 0.1.0";

  /** Exit status for bad data. */
  public static final int BAD_DATA = 1;

  /** Exit status for usage errors. */
  public static final int USAGE = 2;

  /** The subcommands, in the order help lists them. */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          DumpCommand.class,
          SectionsCommand.class,
          VerifyCommand.class,
          RewriteCommand.class,
          DiffCommand.class,
          EditCommand.class,
          ExtractCommand.class,
          ItsCommand.class,
          SchemaCommand.class,
          CheckCompatCommand.class,
          CheckLoadCommand.class,
          UpgradeCommand.class,
          io.vmstate.cli.transport.SendCommand.class,
          io.vmstate.cli.transport.ReceiveCommand.class,
          CommandLine.HelpCommand.class);

  /**
   * The subcommands by their {@code @Command} name. picocli reflects over every registered command
   * when the command line is built (a good part of a short run), so when the first argument names
   * one, only that one is registered.
   */
  static final Map<String, Class<?>> BY_NAME =
      Map.ofEntries(
          Map.entry("dump", DumpCommand.class),
          Map.entry("sections", SectionsCommand.class),
          Map.entry("verify", VerifyCommand.class),
          Map.entry("rewrite", RewriteCommand.class),
          Map.entry("diff", DiffCommand.class),
          Map.entry("edit", EditCommand.class),
          Map.entry("extract", ExtractCommand.class),
          Map.entry("its", ItsCommand.class),
          Map.entry("schema", SchemaCommand.class),
          Map.entry("check-compat", CheckCompatCommand.class),
          Map.entry("check-load", CheckLoadCommand.class),
          Map.entry("upgrade", UpgradeCommand.class),
          Map.entry("send", io.vmstate.cli.transport.SendCommand.class),
          Map.entry("receive", io.vmstate.cli.transport.ReceiveCommand.class));

  /**
   * The commands that read one stream file with its vmdesc, whose trailer is located on a second
   * thread while the command line is read ({@link VmdescPrefetch}).
   */
  static final Set<String> PREFETCH_VMDESC = Set.of("dump", "sections", "verify", "extract");

  /** The commands that decode devices with our typed descriptions (see {@link #prepare}). */
  static final Set<String> DECODE_TYPED = Set.of("dump", "extract", "upgrade");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /**
   * Where commands that print much (dump) write their bytes directly, or null when stdout is only a
   * {@link PrintWriter}; whatever went to the writer is flushed first.
   */
  private OutputStream bytesOut;

  public static void main(String[] args) {
    OutputStream stdout =
        new BufferedOutputStream(new Stdout(new FileOutputStream(FileDescriptor.out)), 1 << 16);
    System.exit(run(args, stdout, new PrintWriter(System.err, true)));
  }

  /**
   * Runs the CLI with stdout as bytes (text is written as UTF-8) and returns the exit status;
   * {@code out} is flushed, not closed.
   */
  public static int run(String[] args, OutputStream out, PrintWriter err) {
    PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), false);
    VmStateCli cli = new VmStateCli();
    cli.bytesOut = out;
    int rc = run(cli, args, w, err);
    try {
      out.flush();
    } catch (IOException e) {
      if (Stdout.isGone(e)) {
        return rc; // the reader of the pipe stopped reading: nothing to report
      }
      if (rc != 0) {
        return rc; // the command already failed and said why (often this same error)
      }
      err.println("vmstate: I/O error: " + e.getMessage());
      err.flush();
      return BAD_DATA;
    }
    return rc;
  }

  /** Runs the CLI with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(new VmStateCli(), args, out, err);
  }

  /**
   * Builds the typed descriptions on a second thread while picocli reads the command line (both
   * take a while in a fresh JVM, and the machine has a second core for one of them).
   */
  private static void prepare() {
    Thread t =
        new Thread(
            () -> {
              try {
                TypedDescriptions.prepare();
              } catch (RuntimeException | LinkageError e) {
                // the command meets the same failure when it uses the descriptions, and reports it
              }
            },
            "vmstate-prepare");
    t.setDaemon(true);
    t.start();
  }

  /** The byte stream behind stdout, after flushing {@code out}; null when there is none. */
  OutputStream bytesOut(PrintWriter out) {
    if (bytesOut != null) {
      out.flush();
    }
    return bytesOut;
  }

  private static int run(VmStateCli cli, String[] args, PrintWriter out, PrintWriter err) {
    if (args.length > 0 && DECODE_TYPED.contains(args[0])) {
      prepare();
    }
    if (args.length > 0 && PREFETCH_VMDESC.contains(args[0])) {
      VmdescPrefetch.start(args);
    }
    CommandLine cl = new CommandLine(cli);
    Class<?> only = args.length > 0 ? BY_NAME.get(args[0]) : null;
    for (Class<?> c : only != null ? List.of(only) : SUBCOMMANDS) {
      cl.addSubcommand(c);
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      sub.getCommandSpec().version(VERSION); // so `vmstate dump -V` prints it too
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          out.flush();
          if (ex instanceof VmStateException v) {
            err.println(Cli.escape("vmstate: " + v.getMessage()));
            return BAD_DATA;
          }
          if (ex instanceof UserDescriptions.RefusedException r) {
            err.println(Cli.escape("vmstate: " + r.getMessage()));
            return BAD_DATA;
          }
          if (ex instanceof NoSuchFileException n) {
            err.println(Cli.escape("vmstate: no such file: " + n.getFile()));
            return USAGE;
          }
          if (ex instanceof FileSystemException f && f.getReason() != null) {
            err.println(Cli.escape("vmstate: " + f.getFile() + ": " + f.getReason()));
            return USAGE;
          }
          if (ex instanceof CommandLine.ParameterException p) {
            err.println(Cli.escape("vmstate: " + p.getMessage()));
            return USAGE;
          }
          if (Stdout.isGone(ex)) {
            return 0; // `vmstate dump | head`: the reader has what it wanted
          }
          if (ex instanceof IOException io) {
            err.println(Cli.escape("vmstate: I/O error: " + io.getMessage()));
            return BAD_DATA;
          }
          throw ex;
        });
    int rc;
    try {
      rc = cl.execute(args);
    } finally {
      UserDescriptions.forgetLoaded();
      VmdescPrefetch.discard();
    }
    out.flush();
    err.flush();
    return rc;
  }
}
