# A completion stored with `store = true` can be imported by its ID. The inputs (model, messages,
# settings, metadata) are rebuilt from the stored completion and its messages, so a matching
# configuration plans no change. `keepers` are not stored at the API: a configuration that sets
# them plans a replacement after an import.
terraform import openai_chat_completion.example chatcmpl-AbCdEf0123456789
