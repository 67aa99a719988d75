same_id:
  test.succeed_with_changes: []
