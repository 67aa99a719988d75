changes:
  test.succeed_with_changes: []
no_changes:
  test.succeed_without_changes: []
failing:
  test.fail_without_changes: []
failing_with_changes:
  test.fail_with_changes: []
on_changes_yes:
  test.succeed_with_changes:
    - onchanges:
      - changes
on_changes_no:
  test.succeed_with_changes:
    - onchanges:
      - no_changes
on_changes_failed:
  test.nop:
    - onchanges:
      - failing_with_changes
on_changes_any:
  test.nop:
    - onchanges_any:
      - no_changes
      - changes
on_changes_mixed:
  test.nop:
    - onchanges:
      - no_changes
      - changes
on_fail_yes:
  test.succeed_without_changes:
    - onfail:
      - failing
on_fail_no:
  test.succeed_without_changes:
    - onfail:
      - no_changes
on_fail_mixed:
  test.succeed_without_changes:
    - onfail:
      - no_changes
      - failing
on_fail_any:
  test.succeed_without_changes:
    - onfail_any:
      - no_changes
      - failing
on_fail_all:
  test.succeed_without_changes:
    - onfail_all:
      - failing
      - failing_with_changes
changes_in_source:
  test.succeed_with_changes:
    - onchanges_in:
      - test: changes_in_target
changes_in_target:
  test.nop: []
fail_in_source:
  test.fail_without_changes:
    - onfail_in:
      - fail_in_target
fail_in_target:
  test.nop: []
