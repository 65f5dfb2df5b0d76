# Records HTTP request bodies exactly as tritonclient.http builds them, for ModelKit's server tests.
#
# Source followed (triton-inference-server/client, src/python/library/tritonclient/http/):
#   _utils.py  _get_inference_request: json.dumps(infer_request) (default ", " / ": " separators), then the raw binary
#              tensors appended (struct.pack "{}s{}s"); json_size goes into Inference-Header-Content-Length.
#              Without requested outputs it sets parameters["binary_data_output"] = True.
#   _infer_input.py  InferInput._get_tensor: {"name", "shape", "datatype"} + "parameters" ({"binary_data_size": n} for binary
#              data) or "data" (set_data_from_numpy(binary_data=False): numpy tolist()).
#   _requested_output.py  InferRequestedOutput(name, binary_data=True, class_count=0): parameters "classification" (when
#              class_count != 0) then "binary_data".
#   _client.py  infer(): request_compression_algorithm "gzip" -> Content-Encoding: gzip, gzip.compress(body);
#              "deflate" -> Content-Encoding: deflate, zlib.compress(body); response_compression_algorithm -> Accept-Encoding.
# numpy is not needed: FP32 little-endian bytes are what ndarray.tobytes() gives on x86/ARM.
# Run: python3 record.py   (writes the *.bin files and requests.json beside it)
import gzip
import json
import struct
import zlib


def request(inputs, outputs):
    infer_request = {}
    parameters = {}
    infer_request["inputs"] = [i["tensor"] for i in inputs]
    if outputs:
        infer_request["outputs"] = outputs
    else:
        parameters["binary_data_output"] = True
    if parameters:
        infer_request["parameters"] = parameters
    body = json.dumps(infer_request)
    json_size = len(body)
    binary = b"".join(i["raw"] for i in inputs if i["raw"] is not None)
    if binary:
        return struct.pack("{}s{}s".format(len(body), len(binary)), body.encode(), binary), json_size
    return body.encode(), None


def output(name, binary_data=True, class_count=0):
    parameters = {}
    if class_count != 0:
        parameters["classification"] = class_count
    parameters["binary_data"] = binary_data
    return {"name": name, "parameters": parameters}


values = [1.0, 2.0, 3.0, 4.0]
binary_x = {"tensor": {"name": "x", "shape": [1, 4], "datatype": "FP32", "parameters": {"binary_data_size": 16}},
            "raw": struct.pack("<4f", *values)}
json_x = {"tensor": {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": values}, "raw": None}

cases = {
    "binary_gzip_classification": (binary_x, [output("double", True, 2)], "gzip"),
    "json_deflate_no_outputs": (json_x, [], "deflate"),
    "json_gzip_classification_json_output": (json_x, [output("double", False, 3)], "gzip"),
    "binary_identity_classification": (binary_x, [output("negated", True, 4)], None),
}
index = {}
for name, (tensor, outputs, algorithm) in cases.items():
    body, json_size = request([tensor], outputs)
    headers = {}
    if algorithm == "gzip":
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body)
    elif algorithm == "deflate":
        headers["Content-Encoding"] = "deflate"
        body = zlib.compress(body)
    if json_size is not None:
        headers["Inference-Header-Content-Length"] = str(json_size)
    with open(name + ".bin", "wb") as f:
        f.write(body)
    index[name] = headers
with open("requests.json", "w") as f:
    json.dump(index, f, indent=2, sort_keys=True)
    f.write("\n")
