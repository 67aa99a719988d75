service_up:
  test.succeed_without_changes: []
