# Drives a Bulwark server with the AWS SDK for Ruby (aws-sdk-core's STS and aws-sdk-kms) and
# prints one JSON object per step for ruby-sdk.interop.test.ts to check: the Ruby SDK's own
# JSON and query protocol code, its error classes and its SigV4 signer (aws-sigv4).
#
# env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE, BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY
require 'json'
require 'aws-sdk-core'
require 'aws-sdk-kms'

def emit(step, data)
  puts JSON.generate({ step: step }.merge(data))
  $stdout.flush
end

def error_of
  yield
  { code: nil }
rescue Aws::Errors::ServiceError => e
  { code: e.code, class: e.class.name, message: e.message, status: e.context.http_response.status_code }
end

options = {
  region: 'us-east-1',
  endpoint: ENV.fetch('BULWARK_ENDPOINT'),
  ssl_ca_bundle: ENV.fetch('BULWARK_CA_BUNDLE'),
  credentials: Aws::Credentials.new(ENV.fetch('BULWARK_ACCESS_KEY_ID'), ENV.fetch('BULWARK_SECRET_ACCESS_KEY')),
  retry_limit: 0
}
sts = Aws::STS::Client.new(options)
kms = Aws::KMS::Client.new(options)

me = sts.get_caller_identity
emit('sts.GetCallerIdentity', arn: me.arn, account: me.account)
emit('sts.GetCallerIdentity.badSecret', error_of { Aws::STS::Client.new(options.merge(credentials: Aws::Credentials.new(ENV.fetch('BULWARK_ACCESS_KEY_ID'), 'x' * 40))).get_caller_identity })

meta = kms.create_key(description: 'ruby', tags: [{ tag_key: 'client', tag_value: 'ruby' }]).key_metadata
emit('kms.CreateKey', state: meta.key_state, arn: meta.arn, creation_date_class: meta.creation_date.class.name, recent: (Time.now - meta.creation_date).abs < 3600)
context = { 'client' => 'ruby', 'purpose' => 'interop' }
blob = kms.encrypt(key_id: meta.key_id, plaintext: 'secret from ruby', encryption_context: context).ciphertext_blob
out = kms.decrypt(ciphertext_blob: blob, encryption_context: context)
emit('kms.Decrypt', plaintext: out.plaintext, key: out.key_id)
emit('kms.Decrypt.noContext', error_of { kms.decrypt(ciphertext_blob: blob) })
emit('kms.DescribeKey.missingAlias', error_of { kms.describe_key(key_id: 'alias/ruby-nothing') })
emit('kms.ListResourceTags', tags: kms.list_resource_tags(key_id: meta.key_id).tags.map { |t| [t.tag_key, t.tag_value] })
deletion = kms.schedule_key_deletion(key_id: meta.key_id, pending_window_in_days: 7)
emit('kms.ScheduleKeyDeletion', days: ((deletion.deletion_date - Time.now) / 86_400).round, state: kms.describe_key(key_id: meta.key_id).key_metadata.key_state)
emit('kms.Encrypt.pendingDeletion', error_of { kms.encrypt(key_id: meta.key_id, plaintext: 'x') })
