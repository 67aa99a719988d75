hello:
  test.succeed_without_changes:
    - name: {{ grains.id }}
