package imagebuilder_test

import (
	"fmt"
	"io"
	"log"

	"github.com/daytona-go/daytona/imagebuilder"
)

// Images are values: variants derived from one base leave it untouched, and
// the text is the Python SDK's for the same calls.
func Example() {
	base := imagebuilder.DebianSlim("3.12")
	ml := base.
		PipInstall("pandas", "numpy>=2").
		Env(map[string]string{"GREETING": "hello world"}).
		Workdir("/home/daytona").
		Entrypoint("sleep", "infinity")

	df, err := ml.Dockerfile()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(df)
	// Output:
	// FROM python:3.12.10-slim-bookworm
	// RUN apt-get update
	// RUN apt-get install -y gcc gfortran build-essential
	// RUN pip install --upgrade pip
	// RUN echo 'debconf debconf/frontend select Noninteractive' | debconf-set-selections
	// RUN python -m pip install 'numpy>=2' pandas
	// ENV GREETING='hello world'
	// WORKDIR /home/daytona
	// ENTRYPOINT ["sleep", "infinity"]
}

// Invalid input is recorded in the Image and reported once, at the end.
func ExampleImage_Err() {
	img := imagebuilder.DebianSlim("3.8").PipInstall("numpy")
	_, err := img.Dockerfile()
	fmt.Println(err)
	// Output:
	// imagebuilder: DebianSlim: invalid argument: unsupported Python version "3.8": supported series are 3.9, 3.10, 3.11, 3.12 and 3.13
}

// Each build context is uploaded as a tar under its hash.
func ExampleContext() {
	img := imagebuilder.Base("python:3.12-slim").AddLocalDir("./src", "/app/src")
	ctxs, err := img.Contexts()
	if err != nil {
		log.Fatal(err) // ./src does not exist here
	}
	for _, c := range ctxs {
		key, err := c.Hash()
		if err != nil {
			log.Fatal(err)
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(c.WriteTar(pw)) }()
		upload(key, pr) // e.g. PUT {org}/{key}/context.tar, reading pr to EOF
	}
}

func upload(key string, r io.Reader) { _, _ = io.Copy(io.Discard, r) }
