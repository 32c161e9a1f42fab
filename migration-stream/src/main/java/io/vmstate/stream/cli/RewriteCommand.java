package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "rewrite", mixinStandardHelpOptions = true, description = "(pending)")
final class RewriteCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
