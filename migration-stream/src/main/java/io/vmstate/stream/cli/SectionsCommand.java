package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "sections", mixinStandardHelpOptions = true, description = "(pending)")
final class SectionsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
