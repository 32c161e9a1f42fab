package io.vmstate.api.compat;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The outcome of a compatibility check: the problems in the order found, the error and warning
 * counts, and the exit status of {@code vmstate check-compat} (the number of errors, capped at 255
 * as QEMU's checker does; warnings never count). Its JSON form is {@code
 * io.vmstate.schema.json.CompatReportJson} (module vmstate-schema-json).
 */
public final class CompatReport {
  private final ImmutableList<Problem> problems;
  private final int errors;

  CompatReport(List<Problem> problems) {
    this.problems = ImmutableList.copyOf(problems);
    this.errors = (int) problems.stream().filter(Problem::isError).count();
  }

  /** Every problem found, errors and warnings, in the order found. */
  public ImmutableList<Problem> problems() {
    return problems;
  }

  /** How many problems are errors (a migration between the two sides would fail). */
  public int errors() {
    return errors;
  }

  /** How many problems are warnings. */
  public int warnings() {
    return problems.size() - errors;
  }

  /** True when there is no error (warnings allowed). */
  public boolean isCompatible() {
    return errors == 0;
  }

  /** The number of errors, capped at 255. */
  public int exitStatus() {
    return Math.min(errors, 255);
  }

  /** The error lines only, as {@link io.vmstate.api.IncompatibleSchemaException#of} takes them. */
  public List<String> errorLines() {
    return problems.stream().filter(Problem::isError).map(Problem::toString).toList();
  }

  /** One line per problem, then a summary line {@code N errors, M warnings}. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    for (Problem p : problems) {
      sb.append(p).append('\n');
    }
    sb.append(errors)
        .append(errors == 1 ? " error, " : " errors, ")
        .append(warnings())
        .append(warnings() == 1 ? " warning" : " warnings")
        .append('\n');
    return sb.toString();
  }

  @Override
  public String toString() {
    return toText();
  }
}
