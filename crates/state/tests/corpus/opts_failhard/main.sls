first:
  test.succeed_with_changes: []
fails:
  test.fail_without_changes: []
after:
  test.succeed_with_changes: []
