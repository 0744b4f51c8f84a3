# Drives a Bulwark server with aws-sigv4 (Debian: ruby-aws-sigv4), the Ruby SDK's signer gem used
# on its own with Net::HTTP, without the SDK's clients, over HTTPS with Bulwark's CA, and prints
# one JSON object per step for third-party-signers.interop.test.ts to check: STS
# GetCallerIdentity and IAM CreateUser (query protocol, POST form), KMS CreateKey, Encrypt and
# Decrypt (JSON 1.1 with X-Amz-Target), and a request whose signature was changed after signing.
#
# env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE, BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY
require 'aws-sigv4'
require 'base64'
require 'json'
require 'net/http'
require 'uri'

ENDPOINT = URI(ENV.fetch('BULWARK_ENDPOINT') + '/')
ID = 'ruby-aws-sigv4'

def emit(step, data)
  puts JSON.generate({ step: step }.merge(data))
  $stdout.flush
end

def send_signed(service, headers, body, tampered: false)
  signer = Aws::Sigv4::Signer.new(
    service: service,
    region: 'us-east-1',
    access_key_id: ENV.fetch('BULWARK_ACCESS_KEY_ID'),
    secret_access_key: ENV.fetch('BULWARK_SECRET_ACCESS_KEY')
  )
  signature = signer.sign_request(http_method: 'POST', url: ENDPOINT.to_s, headers: headers, body: body)
  request = Net::HTTP::Post.new(ENDPOINT)
  headers.merge(signature.headers).each { |name, value| request[name] = value }
  request['authorization'] = request['authorization'].sub(/[0-9a-f]\z/) { |c| c == '0' ? '1' : '0' } if tampered
  request.body = body
  Net::HTTP.start(ENDPOINT.host, ENDPOINT.port, use_ssl: true, ca_file: ENV.fetch('BULWARK_CA_BUNDLE')) { |http| http.request(request) }
end

def query(service, params, tampered: false)
  send_signed(service, { 'content-type' => 'application/x-www-form-urlencoded; charset=utf-8' }, URI.encode_www_form(params), tampered: tampered)
end

def kms(action, input, tampered: false)
  send_signed('kms', { 'content-type' => 'application/x-amz-json-1.1', 'x-amz-target' => "TrentService.#{action}" }, JSON.generate(input), tampered: tampered)
end

def tag(xml, name)
  xml[%r{<#{name}>([^<]*)</#{name}>}, 1]
end

def xml_error(response)
  { status: response.code.to_i, code: tag(response.body, 'Code'), message: tag(response.body, 'Message') }
end

def json_error(response)
  body = JSON.parse(response.body)
  { status: response.code.to_i, code: body['__type'], message: body['message'] || body['Message'] }
end

me = query('sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' })
emit('sts.GetCallerIdentity', status: me.code.to_i, account: tag(me.body, 'Account'), arn: tag(me.body, 'Arn'))
user = query('iam', { Action: 'CreateUser', Version: '2010-05-08', UserName: "signer-#{ID}" })
emit('iam.CreateUser', status: user.code.to_i, arn: tag(user.body, 'Arn'))

created = kms('CreateKey', { Description: ID })
meta = JSON.parse(created.body)['KeyMetadata']
emit('kms.CreateKey', status: created.code.to_i, arn: meta['Arn'], state: meta['KeyState'])
context = { client: ID }
blob = JSON.parse(kms('Encrypt', { KeyId: meta['KeyId'], Plaintext: Base64.strict_encode64("secret from #{ID}"), EncryptionContext: context }).body)['CiphertextBlob']
decrypted = kms('Decrypt', { CiphertextBlob: blob, EncryptionContext: context })
out = JSON.parse(decrypted.body)
emit('kms.Decrypt', status: decrypted.code.to_i, plaintext: Base64.strict_decode64(out['Plaintext']), key: out['KeyId'])

emit('kms.Encrypt.tampered', json_error(kms('Encrypt', { KeyId: meta['KeyId'], Plaintext: 'eA==' }, tampered: true)))
emit('sts.GetCallerIdentity.tampered', xml_error(query('sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' }, tampered: true)))
