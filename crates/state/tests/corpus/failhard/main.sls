ok_first:
  test.succeed_without_changes: []
soft_fail:
  test.fail_without_changes: []
hard_fail:
  test.fail_without_changes:
    - failhard: True
never_runs:
  test.succeed_with_changes: []
