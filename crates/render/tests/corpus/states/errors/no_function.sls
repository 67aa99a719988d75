{{ salt["nope.missing"]() }}
