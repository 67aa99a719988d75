a: {{ raise("custom failure") }}
