# Drives a Bulwark server with AWS::Signature4 (Debian: libaws-signature4-perl), a SigV4 signer for
# HTTP::Request that is not AWS's, sent with LWP over HTTPS with Bulwark's CA, and prints one JSON
# object per step for third-party-signers.interop.test.ts to check: STS GetCallerIdentity and IAM
# CreateUser (query protocol, POST form), KMS CreateKey, Encrypt and Decrypt (JSON 1.1 with
# X-Amz-Target), and a request whose signature was changed after signing.
#
# env: BULWARK_ENDPOINT, BULWARK_CA_BUNDLE, BULWARK_ACCESS_KEY_ID, BULWARK_SECRET_ACCESS_KEY
use strict;
use warnings;
use AWS::Signature4;
use HTTP::Request;
use JSON::PP;
use LWP::UserAgent;
use MIME::Base64;
use URI;

my $endpoint = URI->new("$ENV{BULWARK_ENDPOINT}/");
my $id = 'perl-aws-signature4';
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(ssl_opts => { SSL_ca_file => $ENV{BULWARK_CA_BUNDLE}, verify_hostname => 1 });

# AWS::Signature4 takes the service from an *.amazonaws.com host name and falls back to "s3" for
# any other (here: localhost); this subclass scopes the signature to the service called instead.
package ScopedSignature4 {
    our @ISA = ('AWS::Signature4');
    sub new {
        my ($class, $service, %args) = @_;
        my $self = AWS::Signature4::new($class, %args);
        $self->{service} = $service;
        return $self;
    }
    sub _scope {
        my ($self, $request, $region) = @_;
        my ($date) = $self->_datetime($request) =~ /^(\d+)T/;
        return join '/', $date, $region || 'us-east-1', $self->{service}, 'aws4_request';
    }
}

sub emit {
    my ($step, $data) = @_;
    print $json->encode({ step => $step, %$data }), "\n";
}

sub send_signed {
    my ($service, $headers, $body, $tampered) = @_;
    my $request = HTTP::Request->new(POST => $endpoint, $headers, $body);
    # Without a Host header, AWS::Signature4 adds one of the host name alone and signs it, and LWP
    # then sends that: without the port, which HTTP wants in Host when it is not the scheme's
    # default. The Host header is set first as LWP would send it, with the port.
    $request->header(Host => $endpoint->host_port);
    ScopedSignature4->new($service, -access_key => $ENV{BULWARK_ACCESS_KEY_ID}, -secret_key => $ENV{BULWARK_SECRET_ACCESS_KEY})->sign($request, 'us-east-1');
    if ($tampered) {
        my $auth = $request->header('Authorization');
        $auth =~ s/([0-9a-f])$/$1 eq '0' ? '1' : '0'/e;
        $request->header(Authorization => $auth);
    }
    return $ua->request($request);
}

sub query {
    my ($service, $params, $tampered) = @_;
    my $form = URI->new('http:');
    $form->query_form(@$params);
    return send_signed($service, ['Content-Type' => 'application/x-www-form-urlencoded; charset=utf-8'], $form->query, $tampered);
}

sub kms {
    my ($action, $input, $tampered) = @_;
    return send_signed('kms', ['Content-Type' => 'application/x-amz-json-1.1', 'X-Amz-Target' => "TrentService.$action"], $json->encode($input), $tampered);
}

sub tag {
    my ($xml, $name) = @_;
    return $xml =~ m{<$name>([^<]*)</$name>} ? $1 : undef;
}

sub xml_error {
    my ($response) = @_;
    return { status => $response->code + 0, code => tag($response->content, 'Code'), message => tag($response->content, 'Message') };
}

sub json_error {
    my ($response) = @_;
    my $body = decode_json($response->content);
    return { status => $response->code + 0, code => $body->{__type}, message => $body->{message} // $body->{Message} };
}

my $me = query('sts', [Action => 'GetCallerIdentity', Version => '2011-06-15']);
emit('sts.GetCallerIdentity', { status => $me->code + 0, account => tag($me->content, 'Account'), arn => tag($me->content, 'Arn') });
my $user = query('iam', [Action => 'CreateUser', Version => '2010-05-08', UserName => "signer-$id"]);
emit('iam.CreateUser', { status => $user->code + 0, arn => tag($user->content, 'Arn') });

my $created = kms('CreateKey', { Description => $id });
my $meta = decode_json($created->content)->{KeyMetadata};
emit('kms.CreateKey', { status => $created->code + 0, arn => $meta->{Arn}, state => $meta->{KeyState} });
my $context = { client => $id };
my $blob = decode_json(kms('Encrypt', { KeyId => $meta->{KeyId}, Plaintext => encode_base64("secret from $id", ''), EncryptionContext => $context })->content)->{CiphertextBlob};
my $decrypted = kms('Decrypt', { CiphertextBlob => $blob, EncryptionContext => $context });
my $out = decode_json($decrypted->content);
emit('kms.Decrypt', { status => $decrypted->code + 0, plaintext => decode_base64($out->{Plaintext}), key => $out->{KeyId} });

emit('kms.Encrypt.tampered', json_error(kms('Encrypt', { KeyId => $meta->{KeyId}, Plaintext => 'eA==' }, 1)));
emit('sts.GetCallerIdentity.tampered', xml_error(query('sts', [Action => 'GetCallerIdentity', Version => '2011-06-15'], 1)));
