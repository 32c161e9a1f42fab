package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "edit", mixinStandardHelpOptions = true, description = "(pending)")
final class EditCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
