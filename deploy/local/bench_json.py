"""The JSON the benchmarks (Benchmarks/run) send to and read from the services.

usage: bench_json.py product <slug> <variants> <first price> <price step> <on hand>
           a product to create (POST /admin/products): titled "Bench <slug>" (so that
           deploy/local/bench-catalog-cleanup.sql finds it), variants <slug>-0, <slug>-1, …
           priced in VND from <first price> up by <price step> (minor units)
       bench_json.py field <name>          one field of the JSON object on standard input
       bench_json.py variant-ids           the ids of a created product's variants (standard
                                           input), comma-separated
       bench_json.py hot-and-other-ids     the first variant's id, a space, and the others',
                                           comma-separated
       bench_json.py store <slug> <prefix> a store to create (POST /api/platform/stores), in VND
       bench_json.py targets <store> <key> the created product's variants (standard input) as
                                           purchase targets <store>|<key>|<variant>, comma-separated
"""
import json
import sys


def main():
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "product" and len(arguments) == 5:
        slug, count, first, step, on_hand = arguments[0], *map(int, arguments[1:])
        print(json.dumps({"slug": slug, "title": "Bench " + slug, "variants": [
            {"sku": "%s-%d" % (slug, i), "price": {"minor_units": first + i * step, "currency": "VND"}, "on_hand": on_hand}
            for i in range(count)]}))
    elif command == "field" and len(arguments) == 1:
        print(json.load(sys.stdin)[arguments[0]])
    elif command == "variant-ids" and not arguments:
        print(",".join(variant["id"] for variant in json.load(sys.stdin)["variants"]))
    elif command == "hot-and-other-ids" and not arguments:
        ids = [variant["id"] for variant in json.load(sys.stdin)["variants"]]
        print(ids[0], ",".join(ids[1:]))
    elif command == "store" and len(arguments) == 2:
        slug, prefix = arguments
        print(json.dumps({"name": "Bench " + slug, "slug": slug, "country": "VN", "currency": "VND", "language": "vi",
                          "time_zone": "Asia/Ho_Chi_Minh", "order_prefix": prefix, "owner_email": slug + "@example.com"}))
    elif command == "targets" and len(arguments) == 2:
        store, key = arguments
        print(",".join("%s|%s|%s" % (store, key, variant["id"]) for variant in json.load(sys.stdin)["variants"]))
    else:
        sys.exit(__doc__)


main()
