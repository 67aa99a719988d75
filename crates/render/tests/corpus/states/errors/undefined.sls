a:
  test.nop:
    - name: {{ grains.nope }}
