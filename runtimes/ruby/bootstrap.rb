# frozen_string_literal: true

# Kumo's Ruby runtime interface client (registered as ruby3.2; it runs the
# host's Ruby, Debian 12's 3.1: ARCHITECTURE.md "Choices").
#
# Runs inside every Ruby execution environment as
# `/usr/bin/ruby /var/runtime/ruby/bootstrap.rb`, loads the handler's file
# once, then loops over the Runtime API (2018-06-01): next → handler →
# response or error. What the function sees reproduces AWS's Ruby runtime:
#
# - handlers `file.method` (a method defined at the file's top level) and
#   `file.Module::Class.method`, called with `event:` and `context:` keyword
#   arguments; the file is required from the task root at init;
# - the context object (aws_request_id, function_name, function_version,
#   invoked_function_arn, memory_limit_in_mb, log_group_name,
#   log_stream_name, deadline_ms, identity, client_context,
#   get_remaining_time_in_millis);
# - errors as {errorMessage, errorType: "Function<Class>" (or "Init<Class>"
#   while loading), stackTrace: the backtrace down to the runtime's frames},
#   logged as "Error raised from handler method" / "Init error when loading
#   handler" followed by the document;
# - Logger.new($stdout) formatted as AWS's runtime formats it (with the
#   request id); `puts` lines go to the log as they are.
#
# Logs go to stdout. The platform splits stdout at LF, so one record that
# holds several lines (an error document, a multi-line logger message) is
# written with CR between its lines, as AWS's runtimes do outside their
# telemetry pipe. Standard library only.

require 'json'
require 'logger'
require 'net/http'
require 'time'
require 'uri'

$stdout.sync = true
$stderr.sync = true

module KumoLambda
  TASK_ROOT = ENV['LAMBDA_TASK_ROOT'] || '/var/task'
  RUNTIME_DIR = File.expand_path(__dir__)
  ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type'

  class << self
    attr_accessor :request_id
  end

  # One record → one log line.
  def self.log_record(text)
    text = text.to_s
    text = text.chomp
    $stdout.write(text.gsub("\n", "\r") + "\n")
  end

  # AWS's error document; the trace stops where the runtime's own frames start.
  def self.error_document(error, classification)
    trace = []
    (error.backtrace || []).first(100).each do |line|
      break if line.start_with?(RUNTIME_DIR)

      trace << line
    end
    { errorMessage: error.message, errorType: "#{classification}<#{error.class}>", stackTrace: trace }
  end

  def self.log_error(message, document)
    log_record("#{message}\n#{JSON.pretty_generate(document)}")
  end

  # The Runtime API client: one persistent connection, reopened if it breaks.
  class RuntimeApi
    def initialize(address)
      host, port = address.split(':', 2)
      @host = host
      @port = Integer(port)
      @http = nil
    end

    def next_invocation
      request(Net::HTTP::Get.new('/2018-06-01/runtime/invocation/next'), long_poll: true)
    end

    def post_response(request_id, body)
      post("/2018-06-01/runtime/invocation/#{URI.encode_www_form_component(request_id)}/response", body, nil)
    end

    def post_error(request_id, document)
      post("/2018-06-01/runtime/invocation/#{URI.encode_www_form_component(request_id)}/error", JSON.generate(document), document[:errorType])
    end

    def post_init_error(document)
      post('/2018-06-01/runtime/init/error', JSON.generate(document), document[:errorType])
    end

    private

    def post(path, body, error_type)
      req = Net::HTTP::Post.new(path)
      req['Content-Type'] = 'application/json'
      req[ERROR_TYPE_HEADER] = error_type.gsub(/[^\x20-\x7e]/, '') if error_type
      req.body = body
      request(req)
    end

    def connection
      @http ||= begin
        h = Net::HTTP.new(@host, @port)
        h.keep_alive_timeout = 3600
        h.start
      end
    end

    def request(req, long_poll: false)
      attempts = 0
      begin
        http = connection
        # The next event may be hours away: no read timeout on the long poll.
        http.read_timeout = long_poll ? nil : 60
        http.request(req)
      rescue IOError, SystemCallError, Net::ReadTimeout, EOFError
        @http&.finish rescue nil # rubocop:disable Style/RescueModifier
        @http = nil
        attempts += 1
        retry if attempts < 2
        raise
      end
    end
  end

  # The context object of one invocation.
  class LambdaContext
    attr_reader :aws_request_id, :invoked_function_arn, :log_group_name, :log_stream_name, :function_name,
                :memory_limit_in_mb, :function_version, :identity, :client_context, :deadline_ms

    def initialize(headers)
      @aws_request_id = headers['lambda-runtime-aws-request-id']
      @invoked_function_arn = headers['lambda-runtime-invoked-function-arn']
      @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
      @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
      @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
      @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] # a string, as on AWS
      @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
      @deadline_ms = headers['lambda-runtime-deadline-ms'].to_i
      @identity = parse_json(headers['lambda-runtime-cognito-identity'])
      @client_context = parse_json(headers['lambda-runtime-client-context'])
    end

    def get_remaining_time_in_millis # rubocop:disable Naming/AccessorMethodName
      [@deadline_ms - (Time.now.to_f * 1000).to_i, 0].max
    end

    private

    def parse_json(text)
      text.nil? || text.empty? ? nil : JSON.parse(text)
    rescue JSON::ParserError
      nil
    end
  end

  # `file.method` or `file.Module::Class.method`.
  class Handler
    attr_reader :file, :receiver_name, :method_name

    def initialize(handler)
      file, rest = handler.to_s.split('.', 2)
      raise ArgumentError, "Invalid handler #{handler}, must be of form FILENAME.METHOD or FILENAME.CLASS.METHOD" if file.nil? || file.empty? || rest.nil? || rest.empty?

      parts = rest.split('.')
      @file = file
      @method_name = parts.pop
      @receiver_name = parts.empty? ? nil : parts.join('::')
    end

    def load!
      require File.join(TASK_ROOT, @file)
    end

    def call(event, context)
      if @receiver_name
        Object.const_get(@receiver_name).public_send(@method_name, event: event, context: context)
      else
        # A top-level `def` is a private method of Object, as AWS's runtime calls it.
        send(@method_name, event: event, context: context)
      end
    end
  end

  # Logger.new($stdout / $stderr) in function code formats records as AWS's runtime does.
  class LogFormatter < ::Logger::Formatter
    FORMAT = "%<sev>s, [%<datetime>s #%<process>d] %<severity>5s %<request_id>s -- %<progname>s: %<msg>s\n"

    def call(severity, time, progname, msg)
      format(FORMAT, sev: severity[0], datetime: time.utc.strftime('%Y-%m-%dT%H:%M:%S.%6N'), process: Process.pid,
                     severity: severity, request_id: KumoLambda.request_id, progname: progname, msg: msg2str(msg))
    end
  end

  module LoggerPatch
    def initialize(logdev, *args, **kwargs)
      super
      return unless logdev.equal?($stdout) || logdev.equal?($stderr) || logdev.equal?(STDOUT) || logdev.equal?(STDERR)

      self.formatter = LogFormatter.new unless kwargs[:formatter]
      @lambda_one_line = true
    end

    # One record is one log event: its interior new lines become CR.
    def format_message(severity, datetime, progname, msg)
      text = super
      return text unless @lambda_one_line

      text.chomp.gsub("\n", "\r") + "\n"
    end
  end
  ::Logger.prepend(LoggerPatch)

  def self.main
    api = RuntimeApi.new(ENV['AWS_LAMBDA_RUNTIME_API'] || '127.0.0.1:9001')
    handler = nil
    begin
      handler = Handler.new(ENV['_HANDLER'])
      handler.load!
    rescue Exception => e # rubocop:disable Lint/RescueException
      document = error_document(e, 'Init')
      log_error('Init error when loading handler', document)
      api.post_init_error(document)
      exit!(1)
    end

    loop do
      res = api.next_invocation
      raise "next invocation failed with HTTP #{res.code}: #{res.body}" unless res.code == '200'

      headers = res.to_hash.transform_values(&:first)
      request_id = headers['lambda-runtime-aws-request-id']
      KumoLambda.request_id = request_id
      trace = headers['lambda-runtime-trace-id']
      trace ? ENV['_X_AMZN_TRACE_ID'] = trace : ENV.delete('_X_AMZN_TRACE_ID')
      begin
        context = LambdaContext.new(headers)
        event = JSON.parse(res.body.to_s)
        result = handler.call(event, context)
        body = result.to_json
      rescue Exception => e # rubocop:disable Lint/RescueException
        raise if e.is_a?(SystemExit)

        document = error_document(e, 'Function')
        log_error('Error raised from handler method', document)
        api.post_error(request_id, document)
        next
      end
      api.post_response(request_id, body)
    end
  end
end

KumoLambda.main
