other_one:
  test.succeed_without_changes: []
other_two:
  test.succeed_with_changes: []
