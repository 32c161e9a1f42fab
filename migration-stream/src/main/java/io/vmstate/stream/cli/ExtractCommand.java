package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "extract", mixinStandardHelpOptions = true, description = "(pending)")
final class ExtractCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
