package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "diff", mixinStandardHelpOptions = true, description = "(pending)")
final class DiffCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
