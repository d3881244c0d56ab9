# The fuzz targets: one per codec that reads bytes from the network. Each is
# fuzz/<name>.cpp with a seed corpus in fuzz/corpus/<name>/ and, optionally, a
# dictionary fuzz/<name>.dict. Adding a target is one line here plus those
# files; fuzz/CMakeLists.txt builds it (clang tree) and tests/CMakeLists.txt
# registers its short run with ctest (gcc tree).
#
#   chat_fuzz_target(<name> LIBS <libraries it needs>)
chat_fuzz_target(engineio_payload LIBS chat_engineio)
chat_fuzz_target(socketio_packet LIBS chat_socketio)
chat_fuzz_target(relay_event LIBS chat_relay)
chat_fuzz_target(websocket_frame LIBS chat_websocket)
chat_fuzz_target(api_body LIBS chat_api)
chat_fuzz_target(http_request LIBS chat_gateway chat_api chat_http)
chat_fuzz_target(multipart_form LIBS chat_http)
